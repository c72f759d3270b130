from flask_dredd import install

install(db="notes.database")
