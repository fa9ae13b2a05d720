"""The voice test's words in German and Spanish (tests/voice.py compiles them beside the
English ones): what blames or diagnoses the partner, pushes the person to stay or to
leave, demands, makes them feel guilty, or keeps score, as each language says it.

Written for how German ("du") and Spanish ("tú") say these things, not translated word
for word. Each entry is a regular expression found as a whole word, in any case. Kind
words pass: "nicht deine Schuld" / "no es culpa tuya", "du musst heute nichts
entscheiden" / "no tienes que decidir hoy"; verdicts do not: "sie hört nie zu",
"nunca te escucha".
"""

from __future__ import annotations

BLAME_DE = (
    r"narziss\w*",
    r"toxisch\w*",
    r"manipul\w*",  # German and Spanish alike: manipulativ, manipulador
    r"soziopath\w*",
    r"egoist\w*",
    r"selbstsüchtig\w*",
    r"\w*persönlichkeitsstörung\w*",
    r"bindungs(?:störung|angst|unfähig)\w*",
    r"psychisch krank\w*",
    r"[ck]o-?abhängig\w*",
    r"faul(?:heit)?",
    r"unreif\w*",
    r"herzlos\w*",
    r"gefühlskalt\w*",
    r"kaltherzig\w*",
    r"kontroll(?:süchtig|ierend)\w*",
    r"missbräuchlich\w*",
    r"täter(?:in)?",
    r"warnsignal\w*",
    r"rote flaggen?",
    r"(?<!nicht )(?<!keine )(?:deine|seine|ihre|meine|eure) schuld",
    r"(?:ist|bist|sind|seid) (?:doch |selbst |allein |daran )?schuld",
    r"schuld (?:hat|hast|haben|trägt|trägst|tragen)",
    r"(?:er|sie|dein gegenüber|dein partner|deine partnerin) (?:\w+ )?(?:immer|nie|niemals)",
    r"(?:immer|nie|niemals) (?:\w+ )?(?:er|sie) \w+ (?:zu|dich|dir|mit)",
    r"(?:liebt|mag) dich (?:nicht|nicht mehr|kein bisschen)",
    r"(?:bist|ist) (?:ihm|ihr|ihnen) egal",
    r"(?:kümmert|interessiert|schert) (?:\w+ ){0,2}(?:nicht|nie|kein\w*)",
    r"gibt sich (?:keine|nie) mühe",
    r"(?:versucht|bemüht) (?:es|sich) (?:nicht|nie|gar nicht)\w*",
)
BLAME_ES = (
    r"narcisis\w*",
    r"tóxic\w*",
    r"sociópata\w*",
    r"psicópata\w*",
    r"maltratador\w*",
    r"abusador\w*",
    r"abusiv\w*",
    r"ego[ií]s(?:ta|mo)\w*",
    r"trastorn\w*",
    r"evitativ\w*",
    r"codependen\w*",
    r"perezos\w*",
    r"inmadur\w*",
    r"sin corazón",
    r"desalmad\w*",
    r"controlador\w*",
    r"señales? de alarma",
    r"banderas? rojas?",
    r"(?<!no es )(?:tu|su|mi) culpa",
    r"(?<!no es )culpa (?:tuya|suya|mía)",
    r"(?:él|ella|tu pareja) (?:\w+ )?(?:siempre|nunca|jamás)",
    r"(?:nunca|jamás) te \w+",
    r"no (?:te quiere|te ama|le importas|lo intenta|se esfuerza)",
    r"le (?:das|eres) (?:igual|indiferente)",
    r"ni (?:siquiera )?lo intenta",
)

PUSH_DE = (
    r"verlass(?:e)? (?:ihn|sie)",
    r"trenn(?:e)? dich",
    r"(?:solltest|musst|müsstest) (?:\w+ )?(?:gehen|bleiben|verlassen|trennen)",
    r"scheidung\w*",
    r"schluss machen",
    r"mach schluss",
    r"gib (?:ihn|sie|euch|die beziehung) auf",
)
PUSH_ES = (
    r"déjal[oa]",
    r"(?:deberías|debes|tienes que|necesitas) (?:\w+ )?"
    r"(?:irte|marcharte|quedarte|dejarl[oa]|separarte|romper)",
    r"(?:romper|rompe|rompan) con (?:él|ella|tu pareja)",
    r"divorci\w*",
    r"sepárate",
    r"abandónal[oa]",
)

# "du musst heute nichts …", "musst du nicht" are kind
_NOT = r"(?!(?: \w+){0,2} (?:gar |überhaupt )?(?:nicht|nichts|kein\w*)\b)"
DEMAND_DE = (rf"du (?:musst|solltest|sollst){_NOT}", rf"(?:musst|solltest|sollst) du{_NOT}")
DEMAND_ES = (r"(?<!no )(?:tienes que|debes|deberías|has de)",)

GUILT_DE = (
    r"du hast (?:\w+ ){0,2}(?:vergessen|verpasst|versäumt|versagt)",
    r"(?:vergessen|verpasst|versäumt|versagt) hast",
    r"du hast (?:\w+ ){0,2}nicht "
    r"(?:geantwortet|beantwortet|geschrieben|eingetragen|notiert|reagiert)",
    r"du (?:hast )?(?:nur|bloß) (?:\w+ ){0,3}"
    r"(?:geantwortet|beantwortet|geschrieben|eingetragen|notiert|geschafft)",
)
GUILT_ES = (
    r"(?:te )?olvidaste",
    r"se te olvidó",
    r"(?:te )?perdiste",
    r"fallaste",
    r"no (?:respondiste|contestaste)",
    r"no has (?:respondido|contestado)",
    # "no anotaste movimiento" says what was noted (no movement); "no anotaste nada" blames
    r"no (?:escribiste|anotaste|registraste) nada",
    r"no has (?:escrito|anotado|registrado) nada",
    r"solo (?:respondiste|contestaste|anotaste|escribiste|registraste|lograste)",
)
# In the digest only: a skipped check-in belongs in `halfway status`.
DIGEST_GUILT_DE = (r"verpasst\w*", r"\d+ übersprungen\w*", r"unbeantwortet\w*")
DIGEST_GUILT_ES = (r"\d+ (?:omitid|saltad|perdid)\w*", r"sin (?:responder|contestar)")

# A score of the partner: a balance, points, a quota, "3 von 8 Check-ins".
SCORE_DE = (
    r"bilanz\w*",
    r"punkte\w*",
    r"punktzahl",
    r"quote",
    r"strichliste",
    r"spielstand",
    r"\d+ (?:von|aus) \d+ (?:check-ins?|erinnerungen|nachrichten|fragen|bitten)",
)
SCORE_ES = (
    r"puntos",
    r"puntuación",
    r"marcador",
    r"proporción",
    r"saldo",
    r"\d+ de \d+ (?:check-ins?|recordatorios?|mensajes?|preguntas?|peticiones?)",
)
