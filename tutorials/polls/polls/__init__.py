"""The polls tutorial: an aioweb application with Jinja2 templates, forms and SQLite."""
