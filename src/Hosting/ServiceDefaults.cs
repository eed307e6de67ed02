using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.Hosting;

/// <summary>
/// What every EventShadow service process has: Serilog and health checks.
/// </summary>
public static class ServiceDefaults
{
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddServiceLogging(builder.Configuration, serviceName);
        builder.Services.AddServiceHealthChecks();
        builder.Services.AddProblemDetails();
        return builder;
    }
}
