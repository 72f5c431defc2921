"""Microsoft Teams front end (Bot Framework). The only package that imports botbuilder."""
