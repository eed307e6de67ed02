using EventShadow.Hosting;
using EventShadow.Negotiator;

return await ServiceRunner.RunAsync("Negotiator", args, NegotiatorApplication.Build);
