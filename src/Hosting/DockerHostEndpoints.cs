using MassTransit;

namespace EventShadow.Hosting;

/// <summary>
/// Receive endpoints of one Docker host, for installations whose PoolManagers run on several hosts.
/// </summary>
/// <remarks>
/// A host's endpoint is bound to the same message types as the shared endpoint it replaces. The message
/// types' exchanges are fanout exchanges, so RabbitMQ delivers a copy of every message to the queue of
/// every host, and the consumer skips the messages of shadows that run on another host. This needs no
/// change of exchange type, which RabbitMQ rejects for an exchange that already exists, and costs one
/// skipped delivery per message and further host.
/// </remarks>
public static class DockerHostEndpoints
{
    /// <summary>Maximum length of a host name, which keeps queue names far below RabbitMQ's limit of 255 bytes.</summary>
    public const int MaxHostNameLength = 100;

    /// <summary>Characters a host name may contain, in words for error messages.</summary>
    public const string HostNameRule =
        "letters, digits, dots, dashes and underscores, starting with a letter or digit, at most 100 characters";

    /// <summary>
    /// Returns whether <paramref name="host"/> can name a Docker host's queues.
    /// </summary>
    public static bool IsValidHostName(string? host) =>
        host is { Length: > 0 and <= MaxHostNameLength } &&
        char.IsAsciiLetterOrDigit(host[0]) &&
        host.All(character => char.IsAsciiLetterOrDigit(character) || character is '.' or '-' or '_');

    /// <summary>
    /// Returns the name of the endpoint of consumer <typeparamref name="TConsumer"/> for
    /// <paramref name="host"/>: its usual kebab-case name followed by the host, such as
    /// <c>validate-shadow-host-a</c>. Null <paramref name="host"/> returns the usual name.
    /// </summary>
    public static string EndpointName<TConsumer>(string? host)
        where TConsumer : class, IConsumer
    {
        var shared = KebabCaseEndpointNameFormatter.Instance.Consumer<TConsumer>();
        return host is null ? shared : $"{shared}-{host}";
    }
}
