"""What the build writes besides the pages: the open data and the sitemap, the search index (Pagefind), the
vendored assets, the editor's /admin/, the hosts' headers; and the one-step swap of the finished site."""
