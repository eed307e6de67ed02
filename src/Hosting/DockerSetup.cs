using Docker.DotNet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EventShadow.Hosting;

/// <summary>
/// The Docker Engine API client that the PoolManager and the Validator share.
/// </summary>
public static class DockerSetup
{
    public static IServiceCollection AddDockerEngine(this IServiceCollection services)
    {
        services.AddOptions<DockerOptions>()
            .BindConfiguration(DockerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<IDockerClient>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DockerOptions>>().Value;
            return new DockerClientBuilder().WithEndpoint(options.Endpoint).Build();
        });

        services.AddHealthChecks().AddCheck<DockerEngineHealthCheck>("docker", tags: [HealthSetup.ReadyTag]);
        return services;
    }
}

/// <summary>
/// Healthy while the Docker engine answers a ping.
/// </summary>
public sealed class DockerEngineHealthCheck(IDockerClient docker, IOptions<DockerOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await docker.System.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is HttpRequestException or DockerApiException or IOException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(
                $"Docker engine at {options.Value.Endpoint} does not answer; start it with infra/setup.sh.", ex);
        }
    }
}
