"""QuickBooks Online fault bodies shared by the unit tests (as Intuit sends them)."""

# The throttle reply: XML even when the client asked for JSON, no Retry-After header.
THROTTLE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2017-07-30T22:45:22.933-07:00" xmlns="http://schema.intuit.com/finance/v3">
    <Fault type="SERVICE">
        <Error code="3001">
            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
            <Detail>The request limit was reached.  Try again later</Detail>
        </Error>
    </Fault>
</IntuitResponse>"""
