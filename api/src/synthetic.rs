//! Synthetic records (合成数据): what every domain seed uses to generate the records around
//! the reports' figures so that they look like the places the reports describe, and the one
//! rule for showing that a record is synthetic.
//!
//! - people: surnames weighted by their approximate national frequency, given names drawn from
//!   a pool of the person's sex (one and two characters), resident identity numbers (GB 11643)
//!   whose area code is a county of the report's region (a minority elsewhere in the same
//!   province), whose birth date makes the person an adult of the right age and whose sex digit
//!   matches the name;
//! - organisations: names without another place's name, unified social credit codes (GB 32100)
//!   registered in a county of the region, with organisation codes (GB 11714) drawn at random,
//!   each once, both check characters computed;
//! - where: `place` reads the region tree (`region/regions.json`). A region the reports leave
//!   unnamed carries `identityAreas` there, stand-in area codes chosen for it and documented in
//!   `docs/domains.md`; a region with neither official counties nor stand-ins has no place,
//!   so a seed cannot silently fall back on another report's region.
//!
//! Generated rows carry `synthetic = true`; rows written through the API keep the column's
//! default, false. The flag is read by administrators only (`visible`), in GraphQL and so in
//! the exports, which are the API's own queries.

use async_graphql::Context;
use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::access::{Action, Policy, Role, viewer};
use crate::error::{AppError, AppResult};
use crate::validate::{credit_check_char, id_check_char, organisation_check_char};

/// The GraphQL field that says whether a record is synthetic (the data dictionary lists
/// `POLICY`'s roles for it).
pub const FIELD: &str = "synthetic";

/// Who reads whether a record is synthetic: administrators.
pub const POLICY: Policy = Policy {
    domain: "synthetic",
    rules: &[(Action::Read, &[Role::Admin])],
};

/// The `synthetic` field of a record type: the flag for administrators, null for everyone else
/// (as personal fields are masked rather than refused, so a list still reads).
pub fn visible(ctx: &Context<'_>, synthetic: bool) -> Option<bool> {
    viewer(ctx).may(&POLICY, Action::Read).then_some(synthetic)
}

// ---------- deterministic randomness ----------

/// SplitMix64: small, fast and fixed, so the generated records never change between builds.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn date(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0) as u64;
        from + Days::new(self.below(span + 1))
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
    /// A heavy-tailed positive weight (1 to about 400).
    pub fn weight(&mut self) -> f64 {
        (6.0 * self.unit()).exp()
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

// ---------- names ----------

/// A person's sex, as an identity number's 17th digit records it (odd: male).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// The sex an identity number records, if it is one.
    pub fn of_identity_number(id: &str) -> Option<Sex> {
        let digit = id.chars().nth(16)?.to_digit(10)?;
        Some(if digit % 2 == 1 { Sex::Male } else { Sex::Female })
    }
}

/// Surnames with their approximate share of the national population, per ten thousand
/// (rounded from the 2020 census rankings; the 130 most common cover about 90% of people).
pub const SURNAMES: &[(&str, u32)] = &[
    ("王", 712),
    ("李", 700),
    ("张", 674),
    ("刘", 510),
    ("陈", 461),
    ("杨", 322),
    ("黄", 245),
    ("赵", 219),
    ("吴", 208),
    ("周", 207),
    ("徐", 171),
    ("孙", 158),
    ("马", 143),
    ("朱", 138),
    ("胡", 134),
    ("郭", 122),
    ("何", 119),
    ("林", 115),
    ("高", 113),
    ("罗", 112),
    ("郑", 98),
    ("梁", 95),
    ("谢", 80),
    ("宋", 78),
    ("唐", 77),
    ("韩", 68),
    ("冯", 67),
    ("于", 66),
    ("董", 65),
    ("肖", 64),
    ("程", 60),
    ("曹", 59),
    ("袁", 55),
    ("邓", 55),
    ("许", 54),
    ("傅", 52),
    ("沈", 50),
    ("曾", 49),
    ("彭", 49),
    ("吕", 48),
    ("苏", 47),
    ("卢", 47),
    ("蒋", 46),
    ("蔡", 44),
    ("贾", 42),
    ("丁", 40),
    ("魏", 39),
    ("薛", 38),
    ("叶", 37),
    ("阎", 36),
    ("余", 35),
    ("潘", 35),
    ("杜", 34),
    ("戴", 33),
    ("夏", 32),
    ("钟", 32),
    ("汪", 31),
    ("田", 30),
    ("任", 30),
    ("姜", 29),
    ("范", 28),
    ("方", 27),
    ("石", 27),
    ("姚", 26),
    ("谭", 26),
    ("廖", 25),
    ("邹", 25),
    ("熊", 24),
    ("金", 24),
    ("陆", 23),
    ("郝", 23),
    ("孔", 22),
    ("白", 22),
    ("崔", 21),
    ("康", 21),
    ("毛", 21),
    ("邱", 20),
    ("秦", 20),
    ("江", 20),
    ("史", 19),
    ("顾", 19),
    ("侯", 18),
    ("邵", 18),
    ("孟", 18),
    ("龙", 17),
    ("万", 17),
    ("段", 16),
    ("雷", 16),
    ("钱", 16),
    ("汤", 16),
    ("尹", 15),
    ("黎", 15),
    ("易", 15),
    ("常", 15),
    ("武", 15),
    ("乔", 14),
    ("贺", 14),
    ("赖", 14),
    ("龚", 14),
    ("文", 13),
    ("庞", 12),
    ("樊", 12),
    ("兰", 12),
    ("殷", 11),
    ("施", 11),
    ("陶", 11),
    ("洪", 11),
    ("翟", 10),
    ("安", 10),
    ("颜", 10),
    ("倪", 10),
    ("严", 10),
    ("牛", 10),
    ("温", 10),
    ("季", 9),
    ("俞", 9),
    ("章", 9),
    ("鲁", 9),
    ("葛", 9),
    ("伍", 9),
    ("韦", 9),
    ("申", 8),
    ("尤", 8),
    ("毕", 8),
    ("聂", 8),
    ("焦", 8),
    ("向", 8),
    ("柳", 8),
    ("邢", 8),
    ("岳", 8),
];

const MALE_GIVEN: &str = "伟 强 磊 军 勇 杰 涛 明 超 斌 辉 刚 平 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 帅 旭 龙 林 峰 亮 成 东 阳 锋 彬 坤 晨 诚 毅 博 睿 哲 豪 翔 航 \
     昊 建 兵 武 虎 松 山 海 江 雷 鸣 威 猛 晖 煜 志强 建华 建国 建军 国强 国庆 国华 国平 海涛 海波 海峰 海龙 文斌 文杰 文龙 晓东 晓明 晓峰 晓军 小龙 \
     小军 小明 永强 永刚 永生 永明 卫东 卫国 卫华 红军 红兵 立新 立军 立国 立伟 德华 德明 德胜 德林 春生 春林 金龙 金生 明辉 明亮 明杰 俊杰 俊峰 俊豪 子轩 \
     子豪 浩然 浩宇 浩轩 宇航 宇轩 宇辰 博文 博涛 振华 振宇 振国 振兴 家豪 家乐 家明 家伟 志明 志刚 志伟 志军 志勇 志华 志飞 志鹏 志远 伟东 伟华 伟民 伟强 \
     伟杰 学军 学文 学明 学良 庆华 庆丰 福生 福林 长青 长春 长江 长海 玉林 玉龙 玉山 新民 新建 兴华 兴国 兴旺 光明 光辉 光荣 荣华 胜利 天宇 天佑 天明 天翔 \
     云龙 云飞 云峰 鹏飞 鹏程 飞龙 飞翔 雪峰 世杰 世明 世华 仁杰 少华 少军 少东 东升 东明 东海 旭东 旭辉 景辉 景明 嘉伟 嘉诚 耀华 耀明 宏伟 宏亮 宏宇 洪涛 \
     洪亮 鸿飞 鸿宇 泽宇 泽民 梓轩 梓豪 一鸣 一凡 亦凡 思远 明远 致远 宁远 承志 承恩 启明 启航 瑞祥 瑞龙 祥瑞 吉祥 树林 松林 柏林 青松 大伟 大勇 大海 大鹏 \
     二虎 铁军 铁柱 根生 水生 火生 来福 有才 有福 有德 正华 正义 正平 忠诚 忠华 守仁 守义 宗仁 秉义 俊辉 俊明 俊涛 锦涛 锦程 金宝 宝华 宝山 昌盛 昌明 良才 \
     开明 开宇 晨阳 朝阳 向阳 向东 向前 继伟 继明 继业 建新 建明 建平 建波 建忠 建勇 建设 爱国 爱民 卫民 为民 利民 安邦 定国 振东 振邦 浩东 浩南 凯文 凯歌 \
     俊宇 晟睿 皓轩 铭轩 奕辰 煜城 文博 文轩 文涛 文彬 文亮 文武 明轩 明哲 晓波 晓龙 晓辉 晓光 晓宇 志斌 志成 志坚 志国 志新 志宏 国栋 国梁 国良 国伟 国祥 \
     国富 国兴 海军 海洋 海滨 海生 海明 红卫 红旗 红星 建峰 建林 建伟 建成 建民 德才 德生 德福 德贵 金山 金海 金水 金亮 永康 永胜 永福 永祥 永军 永辉 庆林 \
     庆国 庆生 家俊 家辉 家宝 家兴 成龙 成林 成才 成功 子健 子明 子阳 子墨 宇杰 宇鹏 宇翔 俊华 俊超 俊龙 浩杰 浩文 浩天 天成 天浩 天磊 明华 明强 明军 明宇 \
     明旭";

const FEMALE_GIVEN: &str = "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 慧 琳 洁 颖 倩 蓉 萍 梅 兰 英 琴 莉 娇 薇 瑶 欣 悦 怡 璐 露 晶 岚 凤 菊 妍 媛 婕 楠 莹 丹 蕾 茜 娥 \
     珍 香 秀 翠 娅 秀英 秀兰 秀珍 秀梅 秀芳 秀云 秀琴 桂英 桂兰 桂芳 桂珍 桂香 玉兰 玉梅 玉珍 玉芳 玉英 玉霞 丽娟 丽萍 丽丽 丽君 丽娜 丽红 丽霞 美玲 美兰 \
     美娟 春梅 春兰 春燕 春花 春霞 春艳 海燕 海霞 海英 红梅 红霞 红艳 红英 红燕 晓燕 晓红 晓霞 晓丽 晓梅 晓琳 晓娟 晓敏 晓静 晓雪 小红 小燕 小丽 小梅 小芳 \
     小英 小娟 淑珍 淑英 淑华 淑芬 淑兰 淑贞 凤英 凤兰 凤霞 凤琴 金凤 金兰 金花 金梅 翠花 翠英 翠兰 翠萍 素珍 素英 素芳 素梅 慧敏 慧娟 慧琳 慧玲 慧君 雅琴 \
     雅静 雅丽 雅婷 婷婷 静怡 静雯 欣怡 欣悦 欣然 雨欣 雨桐 雨萱 雨婷 梓涵 梓萱 子涵 子琪 紫涵 诗涵 诗琪 诗雨 梦琪 梦瑶 梦洁 佳怡 佳琪 佳慧 佳颖 思琪 思雨 \
     思颖 可欣 可馨 馨怡 心怡 语嫣 若曦 艺涵 依诺 晨曦 月娥 月琴 月英 爱玲 爱萍 爱琴 丽珍 丽芬 惠芳 惠珍 惠兰 惠敏 婉婷 婉清 婉如 琳琳 玲玲 娟娟 丹丹 晶晶 \
     莉莉 冬梅 冬雪 雪梅 雪莲 雪芳 雪琴 雪娟 彩霞 彩云 彩凤 艳华 艳红 艳玲 艳芳 艳梅 艳萍 燕萍 燕玲 巧玲 巧云 巧珍 文静 文娟 文丽 文慧 文秀 芳芳 兰英 兰芳 \
     兰香 菊花 菊英 荷花 莲花 桃花 杏花 瑞芳 瑞英 明霞 明珠 嘉欣 嘉怡 嘉琪 颖慧 钰涵 钰彤 彤彤 欣妍 妍妍 瑶瑶 璐瑶 露露 蕾蕾 倩倩 楠楠 莹莹 媛媛 薇薇 蓉蓉 \
     萍萍 亚男 亚楠 亚琴 亚萍 胜男 招娣 来娣 凤娇 玉娇 秋菊 秋月 秋云 秋霞 秋萍 秋红 春红 春芳 月梅 桂梅 桂花 丽梅 丽英 丽云 丽琴 秀丽 秀娟 秀玲 秀霞 秀红 \
     素华 素云 素琴 淑敏 淑娟 淑梅 淑琴 淑霞 慧芳 慧珍 慧英 美琳 美娜 美霞 美琴 美凤 美云 佳琳 佳欣 佳丽 雅芳 雅娟 雅萍 静雅 静茹 静娴 晓菲 晓慧 晓蕾 晓彤 \
     晓婷 海玲 海萍 海云 翠云 翠霞 翠娥 凤仙 凤珍 凤梅 玉凤 玉琴 玉莲 金娥 金霞 银花 银凤";

/// The given names of a sex (distinct, one and two characters).
pub fn given_names(sex: Sex) -> &'static [&'static str] {
    static MALE: OnceLock<Vec<&'static str>> = OnceLock::new();
    static FEMALE: OnceLock<Vec<&'static str>> = OnceLock::new();
    let (cell, text) = match sex {
        Sex::Male => (&MALE, MALE_GIVEN),
        Sex::Female => (&FEMALE, FEMALE_GIVEN),
    };
    cell.get_or_init(|| text.split_whitespace().collect())
}

/// A surname, drawn by frequency.
pub fn surname(rng: &mut Rng) -> &'static str {
    let total: u64 = SURNAMES.iter().map(|(_, w)| u64::from(*w)).sum();
    let mut pick = rng.below(total);
    for (name, w) in SURNAMES {
        if pick < u64::from(*w) {
            return name;
        }
        pick -= u64::from(*w);
    }
    SURNAMES[0].0
}

/// A full name: a surname by frequency and a given name of the sex (of either, when unknown).
pub fn person_name(rng: &mut Rng, sex: Option<Sex>) -> String {
    let sex = sex.unwrap_or(if rng.chance(50) { Sex::Male } else { Sex::Female });
    let family = surname(rng);
    format!("{family}{}", rng.pick(given_names(sex)))
}

/// A generated name split into surname and given name (every surname of the pool is one
/// character).
pub fn split_name(name: &str) -> Option<(&str, &str)> {
    let first = name.chars().next()?;
    let (family, given) = name.split_at(first.len_utf8());
    SURNAMES
        .iter()
        .any(|(s, _)| *s == family)
        .then_some((family, given))
}

// ---------- places ----------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent: Option<String>,
    official: bool,
    #[serde(default)]
    identity_areas: Vec<String>,
}

fn regions() -> &'static [RegionRow] {
    static ROWS: OnceLock<Vec<RegionRow>> = OnceLock::new();
    ROWS.get_or_init(|| serde_json::from_str(include_str!("region/regions.json")).unwrap_or_default())
}

/// County-level codes elsewhere in a province (GB/T 2260), for the people of a region who were
/// born outside it: a few districts and county-level cities of other prefectures, by the
/// province's first two digits.
const ELSEWHERE_IN_PROVINCE: &[(&str, &[&str])] = &[
    // 江西: 南昌, 景德镇, 萍乡, 九江, 新余, 鹰潭, 赣州, 吉安, 宜春, 抚州.
    (
        "36",
        &[
            "360102", "360103", "360111", "360121", "360202", "360281", "360302", "360402", "360502",
            "360602", "360681", "360702", "360802", "360902", "361002",
        ],
    ),
    // 山西: 太原, 大同, 阳泉, 长治, 朔州, 晋中, 运城, 忻州, 临汾, 吕梁.
    (
        "14",
        &[
            "140105", "140106", "140107", "140213", "140302", "140403", "140602", "140702", "140802",
            "140902", "141002", "141102",
        ],
    ),
    // 四川: 成都, 自贡, 泸州, 德阳, 绵阳, 内江, 乐山, 南充, 眉山, 宜宾, 达州.
    (
        "51",
        &[
            "510104", "510105", "510106", "510107", "510108", "510302", "510502", "510603", "510703",
            "511002", "511102", "511302", "511402", "511502", "511702",
        ],
    ),
    // 湖南: 长沙, 湘潭, 衡阳, 邵阳, 岳阳, 常德, 张家界, 益阳, 郴州, 永州, 怀化, 娄底.
    (
        "43",
        &[
            "430102", "430103", "430104", "430105", "430302", "430402", "430502", "430602", "430702",
            "430802", "430902", "431002", "431102", "431202", "431302",
        ],
    ),
    // 河南: 郑州, 开封, 洛阳, 平顶山, 安阳, 鹤壁, 新乡, 焦作, 许昌, 漯河, 三门峡, 南阳, 商丘.
    (
        "41",
        &[
            "410102", "410103", "410105", "410202", "410302", "410402", "410502", "410602", "410702",
            "410802", "411002", "411102", "411202", "411302", "411402",
        ],
    ),
];

/// Where the people and organisations of a report's region come from.
#[derive(Debug, Clone)]
pub struct Place {
    /// County-level codes of the region (or its stand-ins), where most people were born and
    /// every organisation is registered.
    pub home: Vec<String>,
    /// County-level codes elsewhere in the same province.
    pub elsewhere: Vec<&'static str>,
    /// Province and city as an address starts ("江西省上饶市"); empty for an unnamed region.
    prefix: String,
    /// The city's short name for branch names ("上饶"); none for an unnamed region.
    city: Option<String>,
    /// Names of the official home codes, for addresses and company names.
    names: HashMap<String, String>,
}

/// The place of a region: its official county-level codes (itself, when it is one), or the
/// stand-ins `regions.json` records for it; BAD_INPUT-free by design, an internal error when
/// the region has neither (a seed asked for a place no data describes).
pub fn place(region_code: &str) -> AppResult<Place> {
    let rows = regions();
    let by_code: HashMap<&str, &RegionRow> = rows.iter().map(|r| (r.code.as_str(), r)).collect();
    let missing = || AppError::Internal(anyhow::anyhow!("no place is known for region {region_code}"));
    let region = by_code.get(region_code).ok_or_else(missing)?;
    let ancestors = |code: &str| {
        let mut out = Vec::new();
        let mut at = by_code.get(code).and_then(|r| r.parent.clone());
        while let Some(p) = at {
            let Some(r) = by_code.get(p.as_str()) else { break };
            out.push(*r);
            at = r.parent.clone();
        }
        out
    };
    let is_county_code = |r: &RegionRow| {
        r.official && r.level == "county" && r.code.len() == 6 && r.code.bytes().all(|b| b.is_ascii_digit())
    };
    let (home, prefix, city): (Vec<String>, String, Option<String>) = if !region.identity_areas.is_empty() {
        (region.identity_areas.clone(), String::new(), None)
    } else {
        let home: Vec<String> = rows
            .iter()
            .filter(|r| is_county_code(r))
            .filter(|r| r.code == region.code || ancestors(&r.code).iter().any(|a| a.code == region.code))
            .map(|r| r.code.clone())
            .collect();
        // Province and city, from the top down, when they are official.
        let mut above: Vec<&RegionRow> = ancestors(&region.code);
        above.reverse();
        if region.level != "county" {
            above.push(region);
        }
        let prefix: String = above
            .iter()
            .filter(|r| r.official)
            .map(|r| r.name.as_str())
            .collect();
        let city = above
            .iter()
            .find(|r| r.official && r.level == "city")
            .map(|r| r.name.trim_end_matches('市').to_owned());
        (home, prefix, city)
    };
    if home.is_empty() {
        return Err(missing());
    }
    let elsewhere = ELSEWHERE_IN_PROVINCE
        .iter()
        .find(|(p, _)| home[0].starts_with(p))
        .map(|(_, codes)| {
            codes
                .iter()
                .copied()
                .filter(|c| !home.iter().any(|h| h == c))
                .collect()
        })
        .unwrap_or_default();
    let names = rows
        .iter()
        .filter(|r| home.contains(&r.code) && r.official)
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect();
    Ok(Place {
        home,
        elsewhere,
        prefix,
        city,
        names,
    })
}

impl Place {
    /// A county-level code of the region.
    pub fn home_area<'a>(&'a self, rng: &mut Rng) -> &'a str {
        rng.pick(&self.home).as_str()
    }

    /// Where a person was born: the region mostly, elsewhere in the province for about one in
    /// eight.
    pub fn birth_area<'a>(&'a self, rng: &mut Rng) -> &'a str {
        if !self.elsewhere.is_empty() && rng.chance(12) {
            self.elsewhere[rng.below(self.elsewhere.len() as u64) as usize]
        } else {
            self.home_area(rng)
        }
    }

    /// Every area code a person of the region may carry.
    pub fn areas(&self) -> impl Iterator<Item = &str> {
        self.home
            .iter()
            .map(String::as_str)
            .chain(self.elsewhere.iter().copied())
    }

    /// A street address in the region (no place name for an unnamed region).
    pub fn address(&self, rng: &mut Rng) -> String {
        const STREETS: [&str; 12] = [
            "人民路",
            "解放路",
            "建设路",
            "胜利路",
            "中山路",
            "新华路",
            "文化路",
            "和平路",
            "滨江路",
            "长安路",
            "学府路",
            "东风路",
        ];
        let county = self.names.get(self.home_area(rng)).cloned().unwrap_or_default();
        format!(
            "{}{county}{}{}号",
            self.prefix,
            rng.pick(&STREETS),
            1 + rng.below(300)
        )
    }

    /// A company name: a trade name and an industry, after the city's or a county's name
    /// where the region has one.
    pub fn company_name(&self, rng: &mut Rng) -> String {
        const TRADE: [&str; 48] = [
            "宏达", "恒信", "鑫源", "华盛", "永兴", "瑞丰", "金鼎", "昌隆", "盛世", "嘉禾", "宏远", "天成",
            "兴业", "汇通", "联创", "博远", "凯瑞", "晟泰", "锦华", "润泽", "丰源", "隆盛", "新宇", "正阳",
            "泰和", "富康", "长盛", "和顺", "聚源", "佳禾", "通达", "同心", "德信", "鼎盛", "元亨", "广源",
            "华泰", "信达", "金诚", "远航", "旭日", "万通", "安达", "福源", "腾飞", "海川", "顺达", "弘毅",
        ];
        const INDUSTRY: [&str; 16] = [
            "建设工程有限公司",
            "实业有限公司",
            "置业有限公司",
            "农业开发有限公司",
            "贸易有限公司",
            "纸业有限公司",
            "化工有限公司",
            "物流有限公司",
            "建材有限公司",
            "食品有限公司",
            "房地产开发有限公司",
            "机械制造有限公司",
            "电子科技有限公司",
            "装饰工程有限公司",
            "餐饮管理有限公司",
            "汽车销售服务有限公司",
        ];
        let place = match (&self.city, rng.chance(50)) {
            (Some(city), true) => format!("{city}市"),
            (Some(_), false) => self.names.get(self.home_area(rng)).cloned().unwrap_or_default(),
            (None, _) => String::new(),
        };
        format!("{place}{}{}", rng.pick(&TRADE), rng.pick(&INDUSTRY))
    }

    /// A bank branch: the city's branch where the city is named, a district sub-branch
    /// (城区支行, ...) of an unnamed one.
    pub fn bank_branch(&self, rng: &mut Rng) -> String {
        const BANKS: [&str; 6] = [
            "中国工商银行股份有限公司",
            "中国农业银行股份有限公司",
            "中国银行股份有限公司",
            "中国建设银行股份有限公司",
            "交通银行股份有限公司",
            "中国邮政储蓄银行股份有限公司",
        ];
        let bank = rng.pick(&BANKS);
        match &self.city {
            Some(city) => format!("{bank}{city}分行"),
            None => format!(
                "{bank}{}支行",
                rng.pick(&["城区", "城南", "城北", "城东", "城西"])
            ),
        }
    }
}

// ---------- numbers ----------

/// A birth date making a person `min_age` to `max_age` years old on `at`.
pub fn birth_date(rng: &mut Rng, at: NaiveDate, min_age: u32, max_age: u32) -> NaiveDate {
    // Whole years back (29 February falls back to the 28th).
    let year = |age: u32| at.checked_sub_months(Months::new(12 * age)).unwrap_or(at);
    // The day after the later birthday bound, so the person is at most `max_age`.
    let earliest = year(max_age + 1) + Days::new(1);
    rng.date(earliest, year(min_age))
}

/// A birth date in a given year.
pub fn birth_date_in(rng: &mut Rng, year: i32) -> NaiveDate {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    rng.date(from, to)
}

/// A resident identity number (GB 11643): the area code, the birth date, a sequence whose
/// last digit records the sex (odd: male), and the check character.
pub fn identity_number(rng: &mut Rng, area: &str, born: NaiveDate, sex: Sex) -> String {
    let sex_digit = rng.below(5) * 2 + u64::from(sex == Sex::Male);
    let prefix = format!("{area}{}{:02}{sex_digit}", born.format("%Y%m%d"), rng.below(100));
    format!("{prefix}{}", id_check_char(&prefix))
}

/// Organisation codes (GB 11714) handed out once each, and one unified social credit code
/// per organisation name.
#[derive(Default)]
pub struct Registrar {
    used: HashSet<String>,
    /// (region, name) → code: a name is one organisation within a region, not across them.
    by_name: HashMap<(String, String), String>,
}

impl Registrar {
    /// A fresh organisation code: eight digits drawn at random and the check character.
    pub fn organisation_code(&mut self, rng: &mut Rng) -> String {
        loop {
            let body: Vec<char> = format!("{:08}", 10_000_000 + rng.below(90_000_000))
                .chars()
                .collect();
            let Some(check) = organisation_check_char(&body) else {
                continue;
            };
            let code: String = body.into_iter().chain([check]).collect();
            if self.used.insert(code.clone()) {
                return code;
            }
        }
    }

    /// The unified social credit code (GB 32100) of an organisation: the same for the same
    /// name in the same region; for a new one `91` (a company registered with market
    /// regulation), the county where it is registered, a fresh organisation code and the check
    /// character.
    pub fn credit_code(&mut self, rng: &mut Rng, region: &str, name: &str, division: &str) -> String {
        let key = (region.to_owned(), name.to_owned());
        if let Some(code) = self.by_name.get(&key) {
            return code.clone();
        }
        let prefix = format!("91{division}{}", self.organisation_code(rng));
        let code = match credit_check_char(&prefix) {
            Some(c) => format!("{prefix}{c}"),
            None => prefix,
        };
        self.by_name.insert(key, code.clone());
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_large_distinct_and_disjoint() {
        for sex in [Sex::Male, Sex::Female] {
            let names = given_names(sex);
            let distinct: HashSet<_> = names.iter().collect();
            assert_eq!(distinct.len(), names.len(), "{sex:?} names are distinct");
            assert!(names.len() >= 300, "{sex:?}: {}", names.len());
            assert!(names.iter().any(|n| n.chars().count() == 1));
            assert!(names.iter().any(|n| n.chars().count() == 2));
            assert!(names.iter().all(|n| (1..=2).contains(&n.chars().count())));
        }
        let male: HashSet<_> = given_names(Sex::Male).iter().collect();
        assert!(given_names(Sex::Female).iter().all(|n| !male.contains(n)));
        let surnames: HashSet<_> = SURNAMES.iter().map(|(s, _)| s).collect();
        assert!(surnames.len() >= 100 && surnames.len() == SURNAMES.len());
        assert!(SURNAMES.windows(2).all(|w| w[0].1 >= w[1].1), "by frequency");
    }

    #[test]
    fn surnames_follow_their_weights() {
        let mut rng = Rng(7);
        let draws = 100_000;
        let wang = (0..draws).filter(|_| surname(&mut rng) == "王").count() as f64 / draws as f64;
        let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
        let expected = 712.0 / f64::from(total);
        assert!((wang - expected).abs() < 0.01, "{wang} vs {expected}");
    }

    #[test]
    fn identity_numbers_are_valid_and_say_what_they_were_given() {
        let mut rng = Rng(1);
        let place = place("361100").unwrap();
        let at = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        for i in 0..2000 {
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            let born = birth_date(&mut rng, at, 18, 75);
            let area = place.birth_area(&mut rng).to_owned();
            let id = identity_number(&mut rng, &area, born, sex);
            crate::validate::id_number("id", &id, true).unwrap();
            assert_eq!(Sex::of_identity_number(&id), Some(sex));
            assert_eq!(&id[6..14], born.format("%Y%m%d").to_string());
            let age = at.years_since(born).unwrap();
            assert!((18..=75).contains(&age), "{age}");
            assert!(id.starts_with("36"), "{id}");
        }
    }

    #[test]
    fn places_come_from_the_region_tree() {
        let shangrao = place("361100").unwrap();
        assert_eq!(shangrao.home.len(), 12);
        assert!(
            shangrao
                .elsewhere
                .iter()
                .all(|c| c.starts_with("36") && !c.starts_with("3611"))
        );
        let court = place("361126").unwrap();
        assert_eq!(court.home, vec!["361126".to_owned()]);
        let jincheng = place("140500").unwrap();
        assert!(
            jincheng.home.iter().all(|c| c.starts_with("1405")),
            "{:?}",
            jincheng.home
        );
        for unnamed in ["L0201", "L04"] {
            let p = place(unnamed).unwrap();
            assert!(p.areas().all(|a| !a.starts_with("36")), "{unnamed}: {:?}", p.home);
            let mut rng = Rng(3);
            assert!(!p.company_name(&mut rng).contains("上饶"));
            assert!(!p.address(&mut rng).contains("上饶"));
        }
        assert!(
            place("L03").is_err(),
            "no stand-in is recorded for report 3's county"
        );
        let mut rng = Rng(5);
        assert!(shangrao.bank_branch(&mut rng).ends_with("上饶分行"));
        assert!(shangrao.address(&mut rng).starts_with("江西省上饶市"));
    }

    #[test]
    fn credit_codes_are_valid_varied_and_one_per_name() {
        let mut rng = Rng(9);
        let mut registrar = Registrar::default();
        let codes: Vec<String> = (0..500)
            .map(|i| registrar.credit_code(&mut rng, "361100", &format!("公司{i}"), "361102"))
            .collect();
        for c in &codes {
            crate::validate::id_number("code", c, false).unwrap();
            assert!(c.starts_with("91361102"));
        }
        let orgs: Vec<u64> = codes.iter().map(|c| c[8..16].parse().unwrap()).collect();
        assert_eq!(orgs.iter().collect::<HashSet<_>>().len(), 500);
        assert!(
            orgs.windows(2).filter(|w| w[1] == w[0] + 1).count() < 5,
            "not sequential"
        );
        assert_eq!(
            registrar.credit_code(&mut rng, "361100", "公司0", "361102"),
            codes[0]
        );
        assert_ne!(
            registrar.credit_code(&mut rng, "L04", "公司0", "410183"),
            codes[0]
        );
    }

    #[test]
    fn names_take_the_pool_of_their_sex() {
        let mut rng = Rng(11);
        for _ in 0..500 {
            let name = person_name(&mut rng, Some(Sex::Female));
            let (_, given) = split_name(&name).unwrap();
            assert!(given_names(Sex::Female).contains(&given), "{name}");
        }
    }
}
