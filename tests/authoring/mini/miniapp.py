"""The mini API: exactly the routes its blueprint documents."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/items")
    def list_items():
        return [{"id": 1, "name": "hammer"}]

    @app.post("/items")
    def create_item():
        return {"id": 1, "name": "hammer"}, 201

    @app.get("/items/<int:item_id>")
    def get_item(item_id: int):
        return {"id": item_id, "name": "hammer"}

    @app.get("/items/<int:item_id>/tags")
    def list_tags(item_id: int):
        return [{"id": 1, "label": "tools"}]

    @app.get("/health")
    def health():
        return {"ok": True}

    return app
