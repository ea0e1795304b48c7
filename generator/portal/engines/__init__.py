"""The engines under the pipeline: the mkdocs adapter (the only module that knows mkdocs), the shells it
renders, and the cache kept between builds."""
