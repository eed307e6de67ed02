using Microsoft.AspNetCore.Builder;
using Serilog;

namespace EventShadow.Hosting;

/// <summary>
/// Runs one EventShadow service process with Serilog set up before the host, so that a failure
/// while building or starting it is logged, and with the log flushed on every exit path.
/// </summary>
public static class ServiceRunner
{
    public static async Task<int> RunAsync(string serviceName, string[] args, Func<string[], WebApplication> build)
    {
        Log.Logger = new LoggerConfiguration()
            .Enrich.WithProperty("Service", serviceName)
            .WriteTo.Console(outputTemplate: ServiceLogging.TextTemplate)
            .CreateBootstrapLogger();

        try
        {
            var app = build(args);
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Fatal(ex, "{Service} stopped: {Error}", serviceName, ex.Message);
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}
