namespace EventShadow.Cli.Submission;

/// <summary>One file to submit: where it is and the source name the server records for it.</summary>
/// <param name="Path">The path as the user can find it again: the given path, joined with the relative path for files found in a folder.</param>
/// <param name="Source">The file name relative to the folder it was found in, with <c>/</c> as separator, or the file name for a file given directly.</param>
public sealed record DefinitionFile(string Path, string Source)
{
    /// <summary>The media type to send: JSON for <c>.json</c>, YAML for <c>.yaml</c> and <c>.yml</c>, plain text for anything else.</summary>
    public string MediaType => DefinitionFiles.MediaTypeOf(Path);
}

/// <summary>
/// Finds the definitions to submit. A file given by path is always taken. A folder is searched
/// recursively for <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c>, skipping hidden files and folders (names
/// that start with a dot). Files of each folder are sorted by relative path (ordinal). The folders
/// keep the order they were given in, and a file reached twice is taken once.
/// </summary>
public static class DefinitionFiles
{
    public static IReadOnlyList<string> Extensions { get; } = [".yaml", ".yml", ".json"];

    /// <exception cref="DefinitionPathException">A path does not exist.</exception>
    public static IReadOnlyList<DefinitionFile> Find(IEnumerable<string> paths)
    {
        var found = new List<DefinitionFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                Add(new DefinitionFile(path, System.IO.Path.GetFileName(path)));
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in FindInFolder(path))
                {
                    Add(file);
                }
            }
            else
            {
                throw new DefinitionPathException($"{path}: no such file or folder.");
            }
        }

        return found;

        void Add(DefinitionFile file)
        {
            if (seen.Add(System.IO.Path.GetFullPath(file.Path)))
            {
                found.Add(file);
            }
        }
    }

    public static string MediaTypeOf(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => "application/json",
            ".yaml" or ".yml" => "application/yaml",
            _ => "text/plain",
        };

    private static IEnumerable<DefinitionFile> FindInFolder(string folder)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            IgnoreInaccessible = false,
        };

        return Directory.EnumerateFiles(folder, "*", options)
            .Where(file => Extensions.Contains(System.IO.Path.GetExtension(file).ToLowerInvariant()))
            .Select(file => new DefinitionFile(file, System.IO.Path.GetRelativePath(folder, file).Replace('\\', '/')))
            .OrderBy(file => file.Source, StringComparer.Ordinal);
    }
}

/// <summary>A path given on the command line does not exist.</summary>
public sealed class DefinitionPathException(string message) : Exception(message);
