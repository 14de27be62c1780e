"""Input and output: lot files, spreadsheet rows, GIS layers, and safe atomic writes."""
