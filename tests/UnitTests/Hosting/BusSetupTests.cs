using EventShadow.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Hosting;

public class BusSetupTests
{
    [Fact]
    public void Bus_sends_no_usage_telemetry()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddServiceBus(_ => { });

        using var provider = services.BuildServiceProvider();
        var telemetry = provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value;

        Assert.False(telemetry.Enabled);
        Assert.Equal("false", Environment.GetEnvironmentVariable("MASSTRANSIT_USAGE_TELEMETRY"));
    }
}
