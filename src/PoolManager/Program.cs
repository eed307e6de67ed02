// Replaced by the PoolManager service entry point.
return 0;
