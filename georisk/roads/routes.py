"""Which towns each major road of the region connects, in driving order.

This is hand-compiled general knowledge of Swedish geography, not survey data: the
order of towns is right, the line between them is not. It exists so the map and the
routing graph have *some* road context before a real network (NVDB, OpenStreetMap)
is imported with ``georisk data fetch roads``. Only the stretch inside (or just at
the edge of) the five counties is listed. Town names are GeoNames names or alternate
names; ``Name/NN`` picks the place in county NN when a name is ambiguous.

E4 does not enter the five counties and is therefore absent. Places missing from
GeoNames' 500+ file (Segmon, Stöllet, Sysslebäck, Kvicksund, Johannisholm) are skipped,
so the lines cut those corners.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    ref: str
    towns: tuple[str, ...]
    note: str = ""


ROUTES: tuple[Route, ...] = (
    # Europavägar
    Route(
        "E6",
        (
            "Mölndal",
            "Göteborg",
            "Kungälv",
            "Stenungsund",
            "Uddevalla",
            "Munkedal",
            "Tanumshede",
            "Strömstad",
        ),
        "continues south into Halland and north to Svinesund/Norway",
    ),
    Route(
        "E16",
        ("Torsby", "Malung", "Vansbro", "Björbo", "Mockfjärd", "Djurås", "Borlänge", "Falun"),
        "shares Torsby–Malung with E45; continues from Norway and east to Hofors–Gävle",
    ),
    Route(
        "E18",
        (
            "Töcksfors",
            "Årjäng",
            "Grums",
            "Karlstad",
            "Kristinehamn",
            "Karlskoga",
            "Örebro",
            "Arboga",
            "Köping",
            "Västerås",
        ),
        "from the Norwegian border; continues east to Enköping–Stockholm",
    ),
    Route(
        "E20",
        (
            "Göteborg",
            "Partille",
            "Lerum",
            "Alingsås",
            "Vårgårda",
            "Vara",
            "Skara",
            "Götene",
            "Mariestad",
            "Hova",
            "Laxå",
            "Hallsberg",
            "Örebro",
            "Arboga",
            "Kungsör",
        ),
        "shares Örebro–Arboga with E18; continues east to Eskilstuna–Stockholm",
    ),
    Route(
        "E45",
        (
            "Göteborg",
            "Lilla Edet",
            "Trollhättan",
            "Vänersborg",
            "Mellerud",
            "Åmål",
            "Säffle",
            "Grums",
            "Sunne",
            "Torsby",
            "Malung",
            "Mora",
            "Orsa",
        ),
        "via Stöllet between Torsby and Malung; continues north to Sveg–Östersund",
    ),
    # Riksvägar
    Route(
        "Rv 26",
        (
            "Skövde",
            "Mariestad",
            "Kristinehamn",
            "Storfors",
            "Filipstad",
            "Lesjöfors",
            "Vansbro",
            "Mora",
        ),
        "from Halmstad–Jönköping; joins E45 at Johannisholm south-west of Mora",
    ),
    Route("Rv 40", ("Göteborg", "Bollebygd", "Borås", "Ulricehamn"), "continues east to Jönköping"),
    Route("Rv 44", ("Uddevalla", "Vänersborg", "Trollhättan", "Grästorp", "Lidköping", "Götene")),
    Route("Rv 49", ("Skara", "Skövde", "Tibro", "Karlsborg", "Askersund")),
    Route(
        "Rv 50",
        (
            "Askersund",
            "Hallsberg",
            "Örebro",
            "Lindesberg",
            "Storå",
            "Kopparberg",
            "Grängesberg",
            "Ludvika",
            "Borlänge",
            "Falun",
        ),
        "from Mjölby–Motala; shares Hallsberg–Örebro with E20 and Borlänge–Falun with E16;"
        " continues to Bollnäs–Söderhamn",
    ),
    Route(
        "Rv 56", ("Västerås", "Sala"), "from Norrköping–Arboga–Kvicksund; continues to Heby–Gävle"
    ),
    Route(
        "Rv 61",
        ("Karlstad", "Kil", "Arvika", "Charlottenberg"),
        "to the Norwegian border towards Kongsvinger",
    ),
    Route(
        "Rv 62",
        ("Karlstad", "Forshaga", "Deje", "Munkfors", "Ekshärad"),
        "continues north via Stöllet and Sysslebäck to the Norwegian border",
    ),
    Route(
        "Rv 63",
        ("Karlstad", "Molkom", "Filipstad", "Hällefors", "Kopparberg", "Ludvika"),
        "shares Kopparberg–Ludvika with Rv 50",
    ),
    Route(
        "Rv 66",
        (
            "Västerås",
            "Surahammar",
            "Ramnäs",
            "Fagersta",
            "Smedjebacken",
            "Ludvika",
            "Björbo",
            "Vansbro",
            "Malung",
            "Sälen",
        ),
        "shares Björbo–Malung with E16; continues to the Norwegian border",
    ),
    Route(
        "Rv 68",
        ("Örebro", "Lindesberg", "Fagersta", "Norberg", "Avesta", "Horndal"),
        "shares Örebro–Lindesberg with Rv 50; continues to Storvik–Gävle",
    ),
    Route("Rv 69", ("Falun", "Rättvik")),
    Route(
        "Rv 70",
        (
            "Sala",
            "Avesta",
            "Hedemora",
            "Säter",
            "Borlänge",
            "Djurås",
            "Leksand",
            "Rättvik",
            "Mora",
            "Älvdalen",
            "Särna",
            "Idre",
        ),
        "from Enköping; continues to the Norwegian border",
    ),
)
