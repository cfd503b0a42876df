from . import oauth
from . import webhook
