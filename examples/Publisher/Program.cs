using System.Text.Json;
using EventShadow.Publisher;

// An example of another system submitting work to EventShadow over RabbitMQ:
//   dotnet run --project examples/Publisher -- FILE [--key KEY] [--timeout SECONDS]
// The broker comes from RabbitMq__Host, RabbitMq__Port, RabbitMq__VirtualHost, RabbitMq__Username and
// RabbitMq__Password, as in the env file that infra/setup.sh writes.
// Exit codes: 0 committed, 1 failed, 2 usage error, 4 timed out.
const int Committed = 0, Failed = 1, UsageError = 2, TimedOut = 4;

string? file = null;
string? key = null;
var timeout = TimeSpan.FromMinutes(5);
for (var index = 0; index < args.Length; index++)
{
    switch (args[index])
    {
        case "--key" when index + 1 < args.Length:
            key = args[++index];
            break;
        case "--timeout" when index + 1 < args.Length && int.TryParse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
            timeout = TimeSpan.FromSeconds(seconds);
            index++;
            break;
        case var argument when !argument.StartsWith("--", StringComparison.Ordinal) && file is null:
            file = argument;
            break;
        default:
            await Console.Error.WriteLineAsync($"error: unexpected argument '{args[index]}'. Usage: Publisher FILE [--key KEY] [--timeout SECONDS]");
            return UsageError;
    }
}

if (file is null || !File.Exists(file))
{
    await Console.Error.WriteLineAsync(file is null ? "error: no definition file given. Usage: Publisher FILE [--key KEY] [--timeout SECONDS]" : $"error: file '{file}' not found.");
    return UsageError;
}

string Setting(string name, string? fallback = null) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value
    : fallback ?? throw new InvalidOperationException($"{name} is not set; load the env file that infra/setup.sh writes.");

BrokerAddress broker;
try
{
    broker = new BrokerAddress(
        Setting("RabbitMq__Host"), int.Parse(Setting("RabbitMq__Port", "5672"), System.Globalization.CultureInfo.InvariantCulture),
        Setting("RabbitMq__VirtualHost", "/"), Setting("RabbitMq__Username"), Setting("RabbitMq__Password"));
}
catch (Exception ex) when (ex is InvalidOperationException or FormatException)
{
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    return UsageError;
}

var negotiationId = key is null ? Guid.NewGuid() : ManifestPublisher.IdFor(key);
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    eventArgs.Cancel = true;
    interrupt.Cancel();
};

await using var publisher = await ManifestPublisher.ConnectAsync(broker, interrupt.Token);
await Console.Error.WriteLineAsync($"published {Path.GetFileName(file)} as negotiation {negotiationId}; waiting up to {timeout.TotalSeconds:0} s for its outcome");
var outcome = await publisher.SubmitAsync(negotiationId, await File.ReadAllTextAsync(file, interrupt.Token), Path.GetFileName(file), timeout, interrupt.Token);

Console.WriteLine(JsonSerializer.Serialize(outcome, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
return outcome.Status switch
{
    "Committed" => Committed,
    "Failed" => Failed,
    _ => TimedOut,
};
