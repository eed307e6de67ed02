using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Manifests;

/// <summary>
/// Helpers that read manifests written inline in tests and check errors and hints against them.
/// </summary>
internal static class ManifestAssert
{
    /// <summary>Returns the 1-based line of the first line of <paramref name="text"/> containing <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment)
    {
        var lines = text.Split('\n');
        var index = Array.FindIndex(lines, line => line.Contains(fragment, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{fragment}' is not in the test manifest");
        return index + 1;
    }

    /// <summary>
    /// Reads <paramref name="text"/>, expects a <see cref="ManifestException"/>, and checks that its
    /// properties and message carry the expected location and problem.
    /// </summary>
    public static ManifestException Rejects(
        string text, string sourceName, int? document, string? path, int? line, string expectedProblem)
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, sourceName));

        Assert.Equal(sourceName, error.SourceName);
        Assert.Equal(document, error.Document);
        Assert.Equal(path, error.Path);
        Assert.Equal(line, error.Line);
        Assert.StartsWith(sourceName, error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedProblem, error.Message, StringComparison.Ordinal);
        if (document is not null)
        {
            Assert.Contains($"document {document}", error.Message, StringComparison.Ordinal);
        }

        if (path is not null)
        {
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }

        if (line is not null)
        {
            Assert.Contains($"line {line}", error.Message, StringComparison.Ordinal);
        }

        return error;
    }

    public static ResourceHint Hint(PartialTask task, string name) =>
        Assert.Single(task.Hints, hint => hint.Name == name);
}
