from flask_dredd import install

install()
