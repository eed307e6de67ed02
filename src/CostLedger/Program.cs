using EventShadow.CostLedger;
using EventShadow.Hosting;

return await ServiceRunner.RunAsync("CostLedger", args, CostLedgerApplication.Build);
