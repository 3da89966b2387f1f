# The e-mail triage pages and the WeCom callback add their routes here.
urlpatterns: list = []
