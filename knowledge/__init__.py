"""The knowledge base (知识库 / FAQ): how known problems of a hospital's systems are solved."""
