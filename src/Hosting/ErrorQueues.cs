using System.Collections.Concurrent;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EventShadow.Hosting;

/// <summary>
/// The <c>_error</c> queues of this service's receive endpoints: what waits in them and why, and
/// moving their messages back to the endpoint once the cause is fixed.
/// </summary>
/// <remarks>
/// MassTransit moves a message that still fails after its retries to <c>{endpoint}_error</c>, with the
/// exception in <c>MT-Fault-*</c> headers. A replay publishes the message, without those headers, to
/// the endpoint's exchange with publisher confirms and only then acknowledges it in the error queue:
/// a crash in between delivers it twice, which the idempotent consumers absorb, and never loses it.
/// </remarks>
public sealed class ErrorQueues(IOptions<RabbitMqOptions> options, ILogger<ErrorQueues> logger) : IReceiveEndpointObserver
{
    public const string ErrorSuffix = "_error";
    public const string ReplayedHeader = "EventShadow-Replayed";

    private const int MaxSamples = 20;

    private readonly ConcurrentDictionary<string, bool> endpoints = new(StringComparer.Ordinal);

    /// <summary>Names of this service's receive endpoints (queues), in order.</summary>
    public IReadOnlyList<string> Endpoints => [.. endpoints.Keys.Order(StringComparer.Ordinal)];

    public bool Serves(string endpoint) => endpoints.ContainsKey(endpoint);

    /// <summary>
    /// Counts the messages in the error queue of each endpoint of this service and describes the first
    /// <paramref name="samples"/> of each. The sampled messages stay in their queue.
    /// </summary>
    public async Task<IReadOnlyList<ErrorQueueReport>> ListAsync(int samples, CancellationToken cancellationToken)
    {
        samples = Math.Clamp(samples, 0, MaxSamples);
        await using var connection = await ConnectAsync(cancellationToken);
        var reports = new List<ErrorQueueReport>();
        foreach (var endpoint in Endpoints)
        {
            reports.Add(await DescribeAsync(connection, endpoint, samples, cancellationToken));
        }

        return reports;
    }

    /// <summary>
    /// Moves up to <paramref name="limit"/> messages from the error queue of <paramref name="endpoint"/>
    /// back to the endpoint and returns how many it moved and how many are left. It takes no more messages
    /// than the queue held when it started and replays each message id once, so that a message that fails
    /// again and returns to the queue during the call is not replayed again.
    /// </summary>
    public async Task<ErrorReplay> ReplayAsync(string endpoint, int limit, CancellationToken cancellationToken)
    {
        if (!Serves(endpoint))
        {
            throw new ArgumentException($"This service has no receive endpoint '{endpoint}'; it has {string.Join(", ", Endpoints)}.", nameof(endpoint));
        }

        var errorQueue = endpoint + ErrorSuffix;
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);

        var waiting = await CountAsync(channel, errorQueue, cancellationToken) ?? 0;
        var replayedIds = new HashSet<string>(StringComparer.Ordinal);
        var returned = new List<ulong>();
        var replayed = 0;
        var taken = 0L;
        while (replayed < limit && taken < waiting && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } message)
        {
            taken++;

            // A message replayed earlier in this call that failed again stays unacknowledged until the end,
            // so that the next read returns the message behind it.
            if (message.BasicProperties.MessageId is { } messageId && !replayedIds.Add(messageId))
            {
                returned.Add(message.DeliveryTag);
                continue;
            }

            var properties = new BasicProperties(message.BasicProperties)
            {
                Headers = WithoutFaultHeaders(message.BasicProperties.Headers),
            };

            // The endpoint's exchange has the endpoint's name and is bound to its queue.
            await channel.BasicPublishAsync(endpoint, "", mandatory: true, properties, message.Body, cancellationToken);
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
            replayed++;

            logger.LogInformation(
                "Replayed message {MessageId} from {ErrorQueue} to {Endpoint}; it had failed with {ExceptionType}: {Reason}",
                message.BasicProperties.MessageId, errorQueue, endpoint,
                HeaderText(message.BasicProperties.Headers, "MT-Fault-ExceptionType"), HeaderText(message.BasicProperties.Headers, "MT-Fault-Message"));
        }

        foreach (var deliveryTag in returned)
        {
            await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, cancellationToken);
        }

        var remaining = await CountAsync(channel, errorQueue, cancellationToken);
        return new ErrorReplay(endpoint, errorQueue, replayed, remaining);
    }

    public Task Ready(ReceiveEndpointReady ready)
    {
        // The bus's own temporary reply queue has no error queue.
        var address = ready.InputAddress;
        if (!address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase))
        {
            endpoints.TryAdd(address.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1], true);
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private static async Task<ErrorQueueReport> DescribeAsync(IConnection connection, string endpoint, int samples, CancellationToken cancellationToken)
    {
        var errorQueue = endpoint + ErrorSuffix;

        // Unacknowledged messages return to the queue, in their order, when the channel closes.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var count = await CountAsync(channel, errorQueue, cancellationToken);
        if (count is null)
        {
            return new ErrorQueueReport(endpoint, errorQueue, 0, []);
        }

        var messages = new List<FailedMessage>();
        while (messages.Count < samples && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } message)
        {
            var headers = message.BasicProperties.Headers;
            messages.Add(new FailedMessage(
                message.BasicProperties.MessageId,
                HeaderText(headers, "MT-Fault-MessageType") ?? message.BasicProperties.Type,
                HeaderText(headers, "MT-Fault-ExceptionType"),
                HeaderText(headers, "MT-Fault-Message"),
                HeaderText(headers, "MT-Fault-Timestamp"),
                HeaderText(headers, ReplayedHeader) is { } times ? int.Parse(times, System.Globalization.CultureInfo.InvariantCulture) : 0));
        }

        return new ErrorQueueReport(endpoint, errorQueue, count.Value, messages);
    }

    /// <summary>Returns how many messages wait in <paramref name="queue"/>, or null when it does not exist.</summary>
    private static async Task<uint?> CountAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return declared.MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var factory = new ConnectionFactory
        {
            HostName = settings.Host,
            Port = settings.Port,
            VirtualHost = settings.VirtualHost,
            UserName = settings.Username,
            Password = settings.Password,
            ClientProvidedName = "eventshadow-error-queues",
        };
        return factory.CreateConnectionAsync(cancellationToken);
    }

    private static Dictionary<string, object?> WithoutFaultHeaders(IDictionary<string, object?>? headers)
    {
        var replayHeaders = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in headers ?? new Dictionary<string, object?>())
        {
            if (!name.StartsWith("MT-Fault-", StringComparison.Ordinal) && name != "MT-Reason" && name != ReplayedHeader)
            {
                replayHeaders[name] = value;
            }
        }

        var times = HeaderText(headers, ReplayedHeader) is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 0;
        replayHeaders[ReplayedHeader] = (times + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return replayHeaders;
    }

    private static string? HeaderText(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value)
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => null,
                _ => value.ToString(),
            }
            : null;
}

/// <summary>An endpoint's error queue: how many messages wait there, and the first few of them.</summary>
public sealed record ErrorQueueReport(string Endpoint, string Queue, uint Messages, IReadOnlyList<FailedMessage> Samples);

/// <summary>A message in an error queue, with the exception that sent it there.</summary>
/// <param name="Replayed">How often it was replayed before it failed again.</param>
public sealed record FailedMessage(string? MessageId, string? MessageType, string? ExceptionType, string? Reason, string? FailedAt, int Replayed);

/// <summary>Outcome of a replay: messages moved back to the endpoint, and those left in its error queue.</summary>
public sealed record ErrorReplay(string Endpoint, string Queue, int Replayed, uint? Remaining);
