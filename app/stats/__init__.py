"""Published statistics: daily snapshots of the shared diagnostics, released with differential
privacy (OpenDP), from which every aggregate the dashboard and the result page show is read.
"""
