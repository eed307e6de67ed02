using System.Globalization;

namespace EventShadow.Throughput;

/// <summary>
/// Where the services' RabbitMQ is, read the way the services read it: <c>RabbitMq__*</c> variables.
/// </summary>
public sealed record RabbitMqSettings(string Host, ushort Port, string VirtualHost, string Username, string Password)
{
    /// <summary>
    /// Reads the settings from <paramref name="environment"/>, falling back to the KEY='value' lines of
    /// <paramref name="envFile"/> for names the environment lacks. Throws <see cref="InvalidOperationException"/>
    /// naming the setting that is missing or invalid.
    /// </summary>
    public static RabbitMqSettings Load(Func<string, string?> environment, string envFile)
    {
        var fromFile = File.Exists(envFile) ? ReadEnvFile(envFile) : new Dictionary<string, string>(StringComparer.Ordinal);
        string? Get(string name) => environment(name) is { Length: > 0 } value ? value : fromFile.GetValueOrDefault(name);
        string Require(string name) => Get(name)
            ?? throw new InvalidOperationException($"{name} is not set in the environment nor in {envFile}; run infra/setup.sh or set it.");

        var portText = Get("RabbitMq__Port") ?? "5672";
        if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
        {
            throw new InvalidOperationException($"RabbitMq__Port must be a port number from 1 to 65535, not '{portText}'.");
        }

        return new RabbitMqSettings(Require("RabbitMq__Host"), port, Get("RabbitMq__VirtualHost") ?? "/", Require("RabbitMq__Username"), Require("RabbitMq__Password"));
    }

    /// <summary>Reads NAME=value lines, removing one pair of single or double quotes around a value.</summary>
    internal static Dictionary<string, string> ReadEnvFile(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0 || line.StartsWith('#'))
            {
                continue;
            }

            var value = line[(separator + 1)..];
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[line[..separator].Trim()] = value;
        }

        return values;
    }

    public override string ToString() => $"amqp://{Host}:{Port}{VirtualHost} as {Username}";
}
