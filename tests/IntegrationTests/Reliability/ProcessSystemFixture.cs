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
        // Three shadow slots for a batch of six: the PoolManager is killed while some proposals wait
        // for a slot. With the slots derived from the host, warm claims configured a whole batch
        // between two polls of the event store, and the test never saw that moment.
        System = new ProcessSystem(infrastructure.ServiceArguments(), instances: 1, "--Shadows:MaxShadows=3");
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
