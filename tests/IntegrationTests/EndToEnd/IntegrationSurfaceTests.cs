using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Publisher;
using Microsoft.Playwright;

namespace EventShadow.IntegrationTests.EndToEnd;

/// <summary>
/// What other systems and operators use on a running system: the event stream of a negotiation, the example
/// publisher on RabbitMQ, and the dashboard in headless Chromium.
/// </summary>
public sealed class IntegrationSurfaceTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Event_stream_follows_negotiation_to_commit()
    {
        var id = await SubmitAsync(Redis("stream-cache"));

        using var timeout = new CancellationTokenSource(SettleTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/negotiation/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await system.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The enumeration ends only when the server closes the stream, which it does after the final event.
        var items = new List<SseItem<string>>();
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
        {
            items.Add(item);
        }

        Assert.Equal(nameof(PartialTaskSubmitted), items[0].EventType);
        Assert.Equal(nameof(AllocationCommitted), items[^1].EventType);
        Assert.Contains(items, item => item.EventType == nameof(ValidationPassed));
        Assert.Equal(Enumerable.Range(1, items.Count).Select(version => version.ToString(System.Globalization.CultureInfo.InvariantCulture)), items.Select(item => item.EventId));
        using var committed = JsonDocument.Parse(items[^1].Data);
        Assert.True(committed.RootElement.GetProperty("data").GetProperty("allocation").GetProperty("memoryMiB").GetInt32() > 0);
    }

    [Fact]
    public async Task Publisher_duplicate_key_starts_one_negotiation()
    {
        var broker = system.RabbitMq;
        await using var publisher = await ManifestPublisher.ConnectAsync(
            new BrokerAddress(broker.Host, broker.Port, broker.VirtualHost, broker.Username, broker.Password), CancellationToken.None);
        var key = $"order-{Guid.NewGuid():N}";
        var id = ManifestPublisher.IdFor(key);

        var outcomes = await Task.WhenAll(
            publisher.SubmitAsync(id, Redis("published-cache"), "published.yaml", SettleTimeout, CancellationToken.None),
            publisher.SubmitAsync(ManifestPublisher.IdFor(key), Redis("published-cache"), "published.yaml", SettleTimeout, CancellationToken.None));

        Assert.All(outcomes, outcome => Assert.Equal("Committed", outcome.Status));
        Assert.All(outcomes, outcome => Assert.Equal(id, outcome.NegotiationId));
        Assert.NotNull(outcomes[0].Committed);
        await system.WaitUntilSettledAsync(id, SettleTimeout);
        var events = await system.EventStore.ReadStreamAsync(id);
        Assert.Single(events.OfType<PartialTaskSubmitted>());
        Assert.Single(events.OfType<AllocationCommitted>());
    }

    [Fact]
    public async Task Publisher_process_prints_committed_outcome()
    {
        var file = Path.Combine(Path.GetTempPath(), $"eventshadow-publisher-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, Redis("process-cache"));
        var key = $"process-{Guid.NewGuid():N}";
        var broker = system.RabbitMq;
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { PublisherPath(), file, "--key", key, "--timeout", "120" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["RabbitMq__Host"] = broker.Host,
                ["RabbitMq__Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RabbitMq__VirtualHost"] = broker.VirtualHost,
                ["RabbitMq__Username"] = broker.Username,
                ["RabbitMq__Password"] = broker.Password,
            },
        };

        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(SettleTimeout);
            await process.WaitForExitAsync(timeout.Token);

            Assert.True(process.ExitCode == 0, $"The publisher exited with {process.ExitCode}: {await error}{await output}");
            using var outcome = JsonDocument.Parse(await output);
            Assert.Equal("Committed", outcome.RootElement.GetProperty("status").GetString());
            Assert.Equal(ManifestPublisher.IdFor(key), outcome.RootElement.GetProperty("negotiationId").GetGuid());
            Assert.True(outcome.RootElement.GetProperty("committed").GetProperty("allocation").GetProperty("memoryMiB").GetInt32() > 0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Publisher_key_maps_to_stable_id()
    {
        var guid = Guid.NewGuid();

        Assert.Equal(ManifestPublisher.IdFor("order-42"), ManifestPublisher.IdFor("order-42"));
        Assert.NotEqual(ManifestPublisher.IdFor("order-42"), ManifestPublisher.IdFor("order-43"));
        Assert.Equal(guid, ManifestPublisher.IdFor(guid.ToString()));
    }

    [Fact]
    public async Task Dashboard_shows_negotiations_pools_and_costs()
    {
        var id = await SubmitAsync(Redis("dashboard-cache"));
        await system.WaitUntilSettledAsync(id, SettleTimeout);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath(),
            Headless = true,
            // Tests run as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        var elsewhere = new List<string>();
        var origin = system.Api.BaseAddress!.GetLeftPart(UriPartial.Authority);
        await page.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(origin, StringComparison.Ordinal))
            {
                await route.ContinueAsync();
            }
            else
            {
                elsewhere.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });

        await page.GotoAsync(origin + "/");
        await page.FillAsync("#api-key", "an-unknown-key-for-the-test");
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#key-error")).ToContainTextAsync("not valid");

        await page.FillAsync("#api-key", TestServices.ReadOnlyApiKey);
        await page.ClickAsync("#key-form button[type=submit]");

        await Assertions.Expect(page.Locator($"#finished li[data-id='{id}'][data-status='Committed']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#pool-chart rect.capacity").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#cost-chart rect.cost-bar").First).ToBeVisibleAsync();
        var committedMemory = await page.Locator("#pool-chart rect.committed").EvaluateAllAsync<double[]>("bars => bars.map(bar => Number(bar.dataset.value))");
        Assert.Contains(committedMemory, value => value > 0);
        var costs = await page.Locator("#cost-chart rect.cost-bar").EvaluateAllAsync<double[]>("bars => bars.map(bar => Number(bar.dataset.cost))");
        Assert.Contains(costs, cost => cost > 0);
        var dayLabels = await page.Locator("#cost-chart text.day-label").EvaluateAllAsync<double[][]>(
            "labels => labels.map(label => { const box = label.getBBox(); return [box.x, box.x + box.width]; })");
        Assert.NotEmpty(dayLabels);
        Assert.All(dayLabels.Zip(dayLabels.Skip(1)), pair => Assert.True(pair.First[1] <= pair.Second[0], $"day labels overlap: {pair.First[1]} > {pair.Second[0]}"));
        Assert.Empty(elsewhere);
    }

    /// <summary>
    /// Returns the publisher as its own build put it, with its own dependencies: the copy in this test's output
    /// folder resolves assemblies from the test's folder and shared frameworks, which lack some it needs.
    /// </summary>
    private static string PublisherPath()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = framework.Parent!.Name;
        var path = Path.Combine(SourceTree.RepositoryRoot, "examples", "Publisher", "bin", configuration, framework.Name, "EventShadow.Publisher.dll");
        Assert.True(File.Exists(path), $"The example publisher was not built at {path}; build EventShadow.sln first.");
        return path;
    }

    private async Task<Guid> SubmitAsync(string manifest)
    {
        using var response = await system.Api.PostAsync("/negotiate?source=surface.yaml", new StringContent(manifest, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        return body.GetProperty("id").GetGuid();
    }

    private static string Redis(string name) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          containers:
            - name: redis
              image: redis:7
        """;
}
