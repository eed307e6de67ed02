using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EventShadow.Hosting;

/// <summary>
/// Health endpoints: <c>/health/live</c> answers while the process runs, <c>/health/ready</c> checks
/// PostgreSQL, RabbitMQ (through MassTransit's own check) and, where registered, the Docker engine.
/// </summary>
public static class HealthSetup
{
    public const string ReadyTag = "ready";

    public static IHealthChecksBuilder AddServiceHealthChecks(this IServiceCollection services)
    {
        return services.AddHealthChecks()
            .AddNpgSql(
                provider => provider.GetRequiredService<IOptions<EventStoreOptions>>().Value.ConnectionString,
                name: "postgresql",
                tags: [ReadyTag]);
    }

    public static WebApplication MapServiceHealthChecks(this WebApplication app)
    {
        // Probes and load balancers call these without a key, and often.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReportAsync })
            .AllowAnonymous()
            .DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
            {
                Predicate = check => check.Tags.Contains(ReadyTag),
                ResponseWriter = WriteReportAsync,
            })
            .AllowAnonymous()
            .DisableRateLimiting();
        return app;
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(entry => new
            {
                name = entry.Key,
                status = entry.Value.Status.ToString(),
                description = entry.Value.Description ?? entry.Value.Exception?.Message,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
