"""Developer tools: the demo, benchmarks and the local Twitter API. The product never imports them."""
