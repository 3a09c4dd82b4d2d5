"""The bulk download of the public datasets (开放数据批量下载): CSV and Parquet files of what the public pages
list, a data dictionary and a manifest, regenerated daily (docs/operations.md, "Bulk download")."""
