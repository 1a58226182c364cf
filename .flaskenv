FLASK_APP=app:create_app
# The flask command of a development checkout; a deployment sets APP_ENV=production (and its
# secrets) in its environment, which wins over this file.
APP_ENV=development
