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
/// <remarks>
/// The console is written on a background thread (Serilog.Sinks.Async), so a request or a consumed
/// message does not wait for the terminal or the log file behind it. The buffer holds
/// <see cref="BufferedEvents"/> events; when it is full, callers wait rather than lose lines. The host
/// disposes the logger on a clean stop and <see cref="ServiceRunner"/> flushes it on every exit path.
/// </remarks>
public static class ServiceLogging
{
    public const string TextTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Service}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    /// <summary>Log events the background writer buffers before a caller has to wait.</summary>
    public const int BufferedEvents = 10_000;

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

            logger.WriteTo.Async(
                sink =>
                {
                    if (json)
                    {
                        sink.Console(new CompactJsonFormatter());
                    }
                    else
                    {
                        sink.Console(outputTemplate: TextTemplate);
                    }
                },
                bufferSize: BufferedEvents,
                blockWhenFull: true);
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
