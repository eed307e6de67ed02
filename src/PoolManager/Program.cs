using System.Text.Json.Serialization;
using EventShadow.Hosting;
using EventShadow.Hosting.Access;
using EventShadow.PoolManager;
using EventShadow.PoolManager.Pools;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

return await ServiceRunner.RunAsync("PoolManager", args, PoolManagerApplication.Build);

namespace EventShadow.PoolManager
{
    /// <summary>
    /// The PoolManager process: consumes proposals and negotiation outcomes, claims warm shadows or
    /// creates them on demand, keeps the warm pools sized, reaps leftovers, and serves <c>GET /pools</c>.
    /// </summary>
    public static class PoolManagerApplication
    {
        public static WebApplication Build(string[] args)
        {
            var builder = WebApplication.CreateBuilder(args);

            builder.AddServiceDefaults("PoolManager");
            builder.AddApiAccess();
            builder.Services.AddEventStore();
            builder.Services.AddDockerEngine();
            builder.Services.AddShadowContainers();
            builder.Services.AddServiceBus(bus =>
            {
                bus.AddConsumer<ConfigureShadowConsumer>();
                bus.AddConsumer<ReleaseShadowConsumer, ReleaseShadowConsumerDefinition>();
            });

            builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

            var app = builder.Build();
            app.UseApiAccess();
            app.MapServiceHealthChecks();
            app.MapErrorQueueEndpoints();
            app.MapPoolEndpoints();
            app.Lifetime.ApplicationStarted.Register(() => LogStarted(app));
            return app;
        }

        private static void LogStarted(WebApplication app)
        {
            var shadows = app.Services.GetRequiredService<IOptions<ShadowOptions>>().Value;
            app.Logger.LogInformation(
                "PoolManager {InstanceName} started for pool {Pool} with {MappingCount} image mappings, workload image {WorkloadImage}, warm pools for {WarmProfiles} and releases from {ReleaseEndpoint}",
                shadows.InstanceName, shadows.Pool, shadows.Images.Count, shadows.WorkloadImage, shadows.WarmPools.Select(pool => pool.Profile.ToString()).ToList(),
                DockerHostEndpoints.EndpointName<ReleaseShadowConsumer>(shadows.SeveralDockerHosts ? shadows.InstanceName : null));

            var allowList = new ImageAllowList(shadows);
            foreach (var (mapping, index) in shadows.Images.Select((mapping, index) => (mapping, index)))
            {
                if (mapping.Image is { } image && !allowList.Allows(image))
                {
                    app.Logger.LogWarning(
                        "Shadows:Images:{Index}:Image {Image} is not in Shadows:AllowedImages, so proposals that use this mapping get ShadowUnavailable; add its repository there or change the image",
                        index, image);
                }
            }
        }
    }
}
