using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Events;
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
                .Enrich.WithProperty("Service", serviceName)
                .Filter.ByExcluding(IsRetriedConflict);

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

    /// <summary>
    /// Returns whether the event is MassTransit's warning that it will retry a message after a write
    /// conflict between concurrent writers. The retry resolves such conflicts, and
    /// <see cref="MartenFailureLogger"/> already records each one at Debug, so the warning and its stack
    /// trace would only alarm an operator.
    /// </summary>
    public static bool IsRetriedConflict(LogEvent logEvent) =>
        logEvent.Exception is { } exception &&
        logEvent.MessageTemplate.Text.StartsWith("R-RETRY", StringComparison.Ordinal) &&
        MartenFailureLogger.IsExpectedConflict(exception);
}
