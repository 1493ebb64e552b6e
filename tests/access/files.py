ROUTES = {
    # Downloads of real attachments are checked through each domain's records.
    "files.download": [{"url": "/files/999999", "expect": {"anon": 302, "*": 404}}],
}
