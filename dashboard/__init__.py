"""The local dashboard over the dbt marts (Streamlit): ``python -m dashboard``."""
