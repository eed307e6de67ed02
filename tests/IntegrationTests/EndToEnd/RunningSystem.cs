using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventShadow.CostLedger;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using EventShadow.PoolManager;
using EventShadow.Validator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.EndToEnd;

/// <summary>
/// All four services started in this process against one test's real PostgreSQL schema, RabbitMQ
/// virtual host and the Docker engine, with an HTTP client for the Negotiator's API.
/// </summary>
public sealed class RunningSystem : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly List<WebApplication> services = [];
    private readonly string[] extraSettings;
    private TestServices? infrastructure;

    public RunningSystem()
        : this([])
    {
    }

    /// <param name="extraSettings">Settings every service gets after <see cref="Settings"/>, as <c>--Key=Value</c>.</param>
    internal RunningSystem(string[] extraSettings) => this.extraSettings = extraSettings;

    public HttpClient Api { get; private set; } = null!;

    public EventStoreProbe EventStore { get; private set; } = null!;

    /// <summary>The RabbitMQ virtual host the services share, for publishing as another system would.</summary>
    public RabbitMqEndpoint RabbitMq => infrastructure?.RabbitMq ?? throw new InvalidOperationException("The system has not started.");

    /// <summary>Settings each service gets on top of the test infrastructure, as <c>--Key=Value</c>.</summary>
    public static string[] Settings =>
    [
        "--Validation:WatchSeconds=3",
        "--Validation:ReadinessTimeoutSeconds=30",
        "--Api:MaxDefinitionBytes=8192",
        "--EventStore:PollingMilliseconds=100",

        // These tests follow shadow trials. With the fast path on, a workload that an earlier test of
        // the class negotiated three times would commit from history without one (FastPathTests cover that).
        "--Negotiation:FastPath:Enabled=false",
    ];

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        var arguments = infrastructure.ServiceArguments([.. Settings, .. extraSettings]);

        // The Negotiator first: it creates the schema and runs the daemon that relays events.
        var negotiator = await StartAsync(NegotiatorApplication.Build([.. arguments, SourceTree.ContentRootArgument("Negotiator")]));
        await StartAsync(PoolManagerApplication.Build([.. arguments, SourceTree.ContentRootArgument("PoolManager")]));
        await StartAsync(ValidatorApplication.Build([.. arguments, SourceTree.ContentRootArgument("Validator")]));
        await StartAsync(CostLedgerApplication.Build([.. arguments, SourceTree.ContentRootArgument("CostLedger")]));

        var address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Api = TestServices.CreateApiClient(address);
        EventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        foreach (var service in Enumerable.Reverse(services))
        {
            await service.StopAsync();
            await service.DisposeAsync();
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

    /// <summary>
    /// Polls <c>GET /negotiation/{id}</c> until the negotiation has ended and every shadow it used is
    /// priced, and returns the final view. Fails with the last view seen when <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<JsonElement> WaitUntilSettledAsync(Guid id, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var last = "(no answer)";
        while (DateTimeOffset.UtcNow < deadline)
        {
            using var response = await Api.GetAsync($"/negotiation/{id}");
            if (response.IsSuccessStatusCode)
            {
                var view = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
                last = view.ToString();
                if (view.GetProperty("settled").GetBoolean())
                {
                    return view;
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Negotiation {id} did not settle within {timeout}. Last view: {last}");
    }

    private async Task<WebApplication> StartAsync(WebApplication service)
    {
        services.Add(service);
        await service.StartAsync();
        return service;
    }
}
