using EventShadow.IntegrationTests.Infrastructure;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// One instance of each service as a process, on a test class's own schema and virtual host.
/// </summary>
public sealed class ProcessSystemFixture : IAsyncLifetime
{
    private TestServices? infrastructure;

    public ProcessSystem System { get; private set; } = null!;

    public EventStoreProbe EventStore { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        System = new ProcessSystem(infrastructure.ServiceArguments());
        await System.StartAsync();
        EventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }

        if (EventStore is not null)
        {
            await EventStore.DisposeAsync();
        }

        if (infrastructure is not null)
        {
            await infrastructure.DisposeAsync();
        }
    }
}
