"""述职评议 (secretaries' annual report on duties and its evaluation), domain.md §7."""
