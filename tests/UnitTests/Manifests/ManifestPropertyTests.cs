using System.Globalization;
using System.Numerics;
using CsCheck;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Manifests;

public sealed class ManifestPropertyTests
{
    private static readonly ManifestLocation Location = new("generated.yaml", 1, "limits.memory", 1);

    /// <summary>Kubernetes suffixes with their multiplier as a fraction.</summary>
    private static readonly (string Suffix, BigInteger Numerator, BigInteger Denominator)[] KubernetesSuffixes =
    [
        ("", 1, 1),
        ("n", 1, BigInteger.Pow(10, 9)),
        ("u", 1, BigInteger.Pow(10, 6)),
        ("m", 1, 1000),
        ("k", 1000, 1),
        ("M", BigInteger.Pow(10, 6), 1),
        ("G", BigInteger.Pow(10, 9), 1),
        ("T", BigInteger.Pow(10, 12), 1),
        ("P", BigInteger.Pow(10, 15), 1),
        ("E", BigInteger.Pow(10, 18), 1),
        ("Ki", BigInteger.Pow(2, 10), 1),
        ("Mi", BigInteger.Pow(2, 20), 1),
        ("Gi", BigInteger.Pow(2, 30), 1),
        ("Ti", BigInteger.Pow(2, 40), 1),
        ("Pi", BigInteger.Pow(2, 50), 1),
        ("Ei", BigInteger.Pow(2, 60), 1),
        ("e3", 1000, 1),
        ("E6", BigInteger.Pow(10, 6), 1),
        ("e-2", 1, 100),
    ];

    private static readonly (string Unit, BigInteger Multiplier)[] ComposeUnits =
    [
        ("", 1),
        ("b", 1),
        ("k", 1024),
        ("kb", 1024),
        ("m", BigInteger.Pow(2, 20)),
        ("MB", BigInteger.Pow(2, 20)),
        ("g", BigInteger.Pow(2, 30)),
        ("gb", BigInteger.Pow(2, 30)),
        ("GiB", BigInteger.Pow(2, 30)),
        ("t", BigInteger.Pow(2, 40)),
    ];

    /// <summary>A number with up to three decimals: its text and its value in thousandths.</summary>
    private static readonly Gen<(string Text, BigInteger Thousandths)> Number =
        Gen.Select(Gen.Long[0, 5_000_000], Gen.Int[0, 999], Gen.Bool)
            .Select((whole, fraction, withFraction) => withFraction
                ? (string.Create(CultureInfo.InvariantCulture, $"{whole}.{fraction:D3}"), (BigInteger)whole * 1000 + fraction)
                : (whole.ToString(CultureInfo.InvariantCulture), (BigInteger)whole * 1000));

    [Fact]
    public void KubernetesMemory_RoundsUpToMebibyte()
    {
        Gen.Select(Number, Gen.Int[0, KubernetesSuffixes.Length - 1]).Sample((number, suffixIndex) =>
        {
            var (suffix, numerator, denominator) = KubernetesSuffixes[suffixIndex];
            var text = number.Text + suffix;
            var expected = CeilingDivide(number.Thousandths * numerator, 1000 * denominator * (1 << 20));

            AssertParsesOrExceedsLimit(() => ResourceQuantity.ParseKubernetesMemory(text, Location), expected, ResourceQuantity.MaxMemoryMiB, "16 TiB");
        });
    }

    [Fact]
    public void KubernetesCpu_RoundsUpToMillicore()
    {
        Gen.Select(Number, Gen.Int[0, KubernetesSuffixes.Length - 1]).Sample((number, suffixIndex) =>
        {
            var (suffix, numerator, denominator) = KubernetesSuffixes[suffixIndex];
            var text = number.Text + suffix;
            var expected = CeilingDivide(number.Thousandths * numerator * 1000, 1000 * denominator);

            AssertParsesOrExceedsLimit(() => ResourceQuantity.ParseKubernetesCpu(text, Location), expected, ResourceQuantity.MaxCpuMillicores, "1024 cores");
        });
    }

    [Fact]
    public void ComposeBytes_RoundUpToMebibyte()
    {
        Gen.Select(Number, Gen.Int[0, ComposeUnits.Length - 1], Gen.Bool).Sample((number, unitIndex, spaced) =>
        {
            var (unit, multiplier) = ComposeUnits[unitIndex];
            var text = number.Text + (spaced && unit.Length > 0 ? " " : string.Empty) + unit;
            var expected = CeilingDivide(number.Thousandths * multiplier, 1000 * (1 << 20));

            AssertParsesOrExceedsLimit(() => ResourceQuantity.ParseComposeBytes(text, Location), expected, ResourceQuantity.MaxMemoryMiB, "16 TiB");
        });
    }

    [Fact]
    public void ComposeCpus_RoundUpToMillicore()
    {
        Number.Sample(number =>
        {
            AssertParsesOrExceedsLimit(() => ResourceQuantity.ParseComposeCpus(number.Text, Location), number.Thousandths, ResourceQuantity.MaxCpuMillicores, "1024 cores");
        });
    }

    [Fact]
    public void QuantityGarbage_ThrowsOnlyManifestException()
    {
        var garbage = Gen.OneOf(Gen.String, Gen.String["0123456789.eE+-kKmMGgiIuntTpPbBZ "]);

        garbage.Sample(text =>
        {
            AssertOnlyManifestException(() => ResourceQuantity.ParseKubernetesMemory(text, Location), ResourceQuantity.MaxMemoryMiB);
            AssertOnlyManifestException(() => ResourceQuantity.ParseKubernetesCpu(text, Location), ResourceQuantity.MaxCpuMillicores);
            AssertOnlyManifestException(() => ResourceQuantity.ParseComposeBytes(text, Location), ResourceQuantity.MaxMemoryMiB);
            AssertOnlyManifestException(() => ResourceQuantity.ParseComposeCpus(text, Location), ResourceQuantity.MaxCpuMillicores);
        }, iter: 5_000);
    }

    [Fact]
    public void DefinitionGarbage_ThrowsOnlyManifestException()
    {
        var yamlish = Gen.String["{}[]:-,'\"\n #&*!|>?%@`\t\\ab0123456789kindservicesimage<"];
        var garbage = Gen.OneOf(Gen.String, yamlish);

        garbage.Sample(text =>
        {
            try
            {
                ManifestReader.Read(text, "garbage.yaml");
            }
            catch (ManifestException ex)
            {
                Assert.StartsWith("garbage.yaml", ex.Message, StringComparison.Ordinal);
            }
        }, iter: 5_000);
    }

    [Fact]
    public void ManifestGarbage_ThrowsOnlyManifestException()
    {
        // Real-looking manifests with a random value put in place of one field.
        var template = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {0}\nspec:\n  containers:\n    - name: app\n      image: {1}\n      resources:\n        limits:\n          memory: {2}\n";
        var value = Gen.String["{}[]:-,'\"#&*!|>?%@ab01Mi"];

        Gen.Select(value, value, value).Sample((name, image, memory) =>
        {
            var text = string.Format(CultureInfo.InvariantCulture, template, name, image, memory);
            try
            {
                ManifestReader.Read(text, "pod.yaml");
            }
            catch (ManifestException ex)
            {
                Assert.StartsWith("pod.yaml", ex.Message, StringComparison.Ordinal);
            }
        }, iter: 2_000);
    }

    private static BigInteger CeilingDivide(BigInteger numerator, BigInteger denominator) =>
        (numerator + denominator - 1) / denominator;

    private static void AssertParsesOrExceedsLimit(Func<int> parse, BigInteger expected, int limit, string limitText)
    {
        if (expected <= limit)
        {
            Assert.Equal((int)expected, parse());
            return;
        }

        var error = Assert.Throws<ManifestException>(() => parse());
        Assert.Contains(limitText, error.Message, StringComparison.Ordinal);
    }

    private static void AssertOnlyManifestException(Func<int> parse, int limit)
    {
        try
        {
            Assert.InRange(parse(), 0, limit);
        }
        catch (ManifestException ex)
        {
            Assert.Equal("limits.memory", ex.Path);
        }
    }
}
