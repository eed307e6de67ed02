// Replaced by the CostLedger service entry point.
return 0;
