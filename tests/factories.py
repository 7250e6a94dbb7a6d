"""factory_boy factories shared by the test packages."""

import factory

from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures.models import Source, Structure, Term


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "52"
    name = "Pays de la Loire"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = "44"
    name = "Loire-Atlantique"
    region = factory.SubFactory(RegionFactory)


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ["code"]

    code = "244400404"
    name = "Nantes Métropole"
    kind = Epci.Kind.METROPOLE


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    # Never a real INSEE code (those are digits, or 2A/2B), so it cannot meet a commune of the
    # real referential when a test session has loaded it; five characters, as the column.
    code = factory.Sequence(lambda n: f"T{n % 10_000:04d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    department = factory.SubFactory(DepartmentFactory)
    epci = factory.SubFactory(EpciFactory)
    population = 5000
    size_class = factory.LazyAttribute(lambda o: Commune.size_class_for(o.population))
    postcodes = "44000"
    latitude = 47.2
    longitude = -1.55

    class Params:
        nantes = factory.Trait(
            code="44109", name="Nantes", population=320732, postcodes="44000 44100 44200 44300"
        )


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ["kind", "slug"]

    kind = Term.Kind.THEME
    slug = factory.Sequence(lambda n: f"term-{n}")
    label_fr = factory.Sequence(lambda n: f"Terme {n}")
    label_en = factory.Sequence(lambda n: f"Term {n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ["slug"]

    slug = "tests"
    name = "Données de test"


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure
        skip_postgeneration_save = True

    uid = factory.Sequence(lambda n: f"mlg-test-{n:05d}")
    slug = factory.Sequence(lambda n: f"structure-de-test-{n}")
    name = factory.Sequence(lambda n: f"Structure de test {n}")
    main_type = factory.SubFactory(
        TermFactory,
        kind=Term.Kind.TYPE,
        slug="fablab",
        label_fr="Fablab / makerspace",
        label_en="Fablab / makerspace",
        color="#e67700",
    )
    commune = factory.SubFactory(CommuneFactory)
    latitude = 47.21
    longitude = -1.55
    geo_precision = Structure.GeoPrecision.HOUSENUMBER
    status = Structure.Status.PUBLISHED
    source = factory.SubFactory(SourceFactory)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)
