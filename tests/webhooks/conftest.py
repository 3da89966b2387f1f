from tests.http_receiver import receiver

__all__ = ["receiver"]
