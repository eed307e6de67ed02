using System.Globalization;

namespace EventShadow.NegotiationReplay;

/// <summary>
/// Command-line options of the replay.
/// </summary>
public sealed record ReplayOptions(Uri Server, Uri Docker, string Image, int Rounds, int Seed, int CheckSeconds)
{
    public const string Usage = """
        usage: NegotiationReplay [--server URL] [--docker URI] [--image IMAGE] [--rounds N] [--seed N] [--check-seconds N]
          --server         Negotiator base URL (default http://127.0.0.1:5080)
          --docker         Docker Engine API endpoint (default unix:///var/run/docker.sock)
          --image          image with stress-ng for the post-commit runs (default eventshadow/workload:1)
          --rounds         times the whole mix is negotiated, so later rounds can use history (default 3)
          --seed           seed of the order within each round (default 7)
          --check-seconds  how long each committed allocation runs the workload after commit (default 20)
        """;

    /// <summary>Parses <paramref name="args"/>; returns null when an option is unknown or its value invalid.</summary>
    public static ReplayOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new ReplayOptions(new Uri("http://127.0.0.1:5080"), new Uri("unix:///var/run/docker.sock"), "eventshadow/workload:1", 3, 7, 20);
        for (var index = 0; index + 1 < args.Count; index += 2)
        {
            var value = args[index + 1];
            options = args[index] switch
            {
                "--server" when Uri.TryCreate(value, UriKind.Absolute, out var server) => options with { Server = server },
                "--docker" when Uri.TryCreate(value, UriKind.Absolute, out var docker) => options with { Docker = docker },
                "--image" => options with { Image = value },
                "--rounds" when Positive(value, out var rounds) => options with { Rounds = rounds },
                "--seed" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seed) => options with { Seed = seed },
                "--check-seconds" when Positive(value, out var seconds) => options with { CheckSeconds = seconds },
                _ => null,
            };

            if (options is null)
            {
                return null;
            }
        }

        return args.Count % 2 == 0 ? options : null;
    }

    private static bool Positive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
