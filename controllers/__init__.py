from . import oauth
