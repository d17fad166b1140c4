"""Statistics (统计): measures defined once, by any one or two dimensions, on the working-day calendar."""
