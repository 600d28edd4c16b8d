"""What gunicorn serves: ``gunicorn wsgi:app``."""
from csti import create_app

app = create_app()
