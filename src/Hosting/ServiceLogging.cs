using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Formatting.Compact;

namespace EventShadow.Hosting;

/// <summary>
/// Serilog for a service: levels and overrides from the <c>Serilog</c> section, console output as
/// text or, with <c>Logging:Format=json</c>, as compact JSON for log collectors.
/// </summary>
public static class ServiceLogging
{
    public const string TextTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Service}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    public static IServiceCollection AddServiceLogging(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var json = string.Equals(configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase);

        return services.AddSerilog((provider, logger) =>
        {
            logger
                .ReadFrom.Configuration(configuration)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", serviceName);

            if (json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: TextTemplate);
            }
        });
    }
}
