"""Exports (导出) of every list as Excel and CSV, identity masked as the viewer sees it."""
