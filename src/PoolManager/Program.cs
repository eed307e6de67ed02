using EventShadow.Hosting;
using EventShadow.PoolManager;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

return await ServiceRunner.RunAsync("PoolManager", args, PoolManagerApplication.Build);

namespace EventShadow.PoolManager
{
    /// <summary>
    /// The PoolManager process: consumes proposals and negotiation outcomes, and creates and removes
    /// shadow containers for them.
    /// </summary>
    public static class PoolManagerApplication
    {
        public static WebApplication Build(string[] args)
        {
            var builder = WebApplication.CreateBuilder(args);

            builder.AddServiceDefaults("PoolManager");
            builder.Services.AddEventStore();
            builder.Services.AddDockerEngine();
            builder.Services.AddShadowContainers();
            builder.Services.AddServiceBus(bus =>
            {
                bus.AddConsumer<ConfigureShadowConsumer>();
                bus.AddConsumer<ReleaseShadowConsumer>();
            });

            var app = builder.Build();
            app.MapServiceHealthChecks();
            app.Lifetime.ApplicationStarted.Register(() => LogStarted(app));
            return app;
        }

        private static void LogStarted(WebApplication app)
        {
            var shadows = app.Services.GetRequiredService<IOptions<ShadowOptions>>().Value;
            app.Logger.LogInformation(
                "PoolManager {InstanceName} started for pool {Pool} with {MappingCount} image mappings and workload image {WorkloadImage}",
                shadows.InstanceName, shadows.Pool, shadows.Images.Count, shadows.WorkloadImage);
        }
    }
}
