"""The clause library: file schema, loader with line-precise errors, parameters."""
