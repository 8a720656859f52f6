"""Services shared by the command line and the app: plain objects in and out, no Textual."""
