//! One axis of a sweep spec, checked: its path (a parameter, or a split rule for a
//! `shift`), its values (listed, a range or a distribution) within the parameter's
//! unit and bounds, and its dates. The longest part of reading a spec, kept apart from
//! the spec's own keys in `spec.rs`.

use super::*;

pub(super) fn parse_axis(
    ra: &RawAxis,
    whole: &serde_saphyr::Location,
    src: &Source,
    model: &crate::Model,
    sampling: Sampling,
) -> Result<Axis> {
    let at = |loc: &serde_saphyr::Location| span_location(&src.name, &src.text, loc);
    let err = |loc: &serde_saphyr::Location, msg: String| Error::input(at(loc), msg);
    let path = ra.path.value.as_str();
    if path.starts_with("units.") {
        return Err(err(
            &ra.path.referenced,
            format!(
                "`{path}` is a unit attribute (a class or a status, not a number), so it cannot be an axis; make one base scenario per value and sweep each"
            ),
        ));
    }
    let mode = match &ra.mode {
        None => Mode::Set,
        Some(m) if m.value == "set" => Mode::Set,
        Some(m) if m.value == "scale" => Mode::Scale,
        Some(m) if m.value == "shift" => Mode::Shift,
        Some(m) => {
            return Err(err(
                &m.referenced,
                format!(
                    "`{}` is not an axis mode{}; use `set` (the value itself), `scale` (a factor on the base values) or `shift` (the share moved between two levels of a split rule)",
                    m.value,
                    did_you_mean(&m.value, ["set", "scale", "shift"])
                ),
            ));
        }
    };
    let (param, params) = match shifted_rule(ra, mode, model, path)
        .map_err(|m| err(&ra.path.referenced, m))?
    {
        Some(ids) => (ids[0], ids),
        None => {
            let Some(param) = model.params.lookup(path) else {
                return Err(err(
                    &ra.path.referenced,
                    format!(
                        "`{path}` is not a parameter{}; axes take the paths of scenario overrides (services.<id>.<component>.standard, splits.<rule>.central, cohorts.<id>.ratio …), and `fendan explain --param PATH` shows one",
                        did_you_mean(path, model.params.paths())
                    ),
                ));
            };
            (param, vec![param])
        }
    };
    let unit = model.params.get(param).unit;
    let name = match &ra.name {
        Some(n) => {
            if n.value.is_empty()
                || !n
                    .value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                return Err(err(
                    &n.referenced,
                    format!(
                        "the axis name `{}` names a CSV column, so use only letters, digits, `_`, `-` and `.`",
                        n.value
                    ),
                ));
            }
            n.value.clone()
        }
        None => path.to_owned(),
    };
    // A value the axis may take: in range for the parameter's unit (set), or a factor 0 or more.
    let check = |v: Decimal, loc: &serde_saphyr::Location| -> Result<()> {
        match mode {
            Mode::Shift if v.is_sign_negative() && !v.is_zero() || v > Decimal::ONE => Err(err(
                loc,
                format!(
                    "`{path}`: {v} is not a share to move; a shift axis takes the fraction of the giver's part that moves, between 0 and 1"
                ),
            )),
            Mode::Shift => Ok(()),
            Mode::Set => unit
                .check(v)
                .map_err(|e| err(loc, format!("`{path}`: {e}"))),
            Mode::Scale if v.is_sign_negative() && !v.is_zero() => Err(err(
                loc,
                format!("`{path}`: a scale must be 0 or more, not {v}"),
            )),
            Mode::Scale => Ok(()),
        }
    };
    let given: Vec<&str> = [
        ("values", ra.values.is_some()),
        ("range", ra.range.is_some()),
        ("distribution", ra.distribution.is_some()),
    ]
    .into_iter()
    .filter(|(_, g)| *g)
    .map(|(n, _)| n)
    .collect();
    if given.len() != 1 {
        let msg = if given.is_empty() {
            format!(
                "the axis `{path}` gives no values; add `values: [..]`, `range: {{start, stop, step}}` or `distribution: {{kind: uniform, min, max}}`"
            )
        } else {
            format!(
                "the axis `{path}` gives both `{}` and `{}`; keep one",
                given[0], given[1]
            )
        };
        return Err(err(&ra.path.referenced, msg));
    }
    if let Some(d) = &ra.decimals
        && ra.distribution.is_none()
    {
        return Err(err(
            &d.referenced,
            format!(
                "`decimals` rounds sampled values, but the axis `{path}` lists its values; leave `decimals` out"
            ),
        ));
    }
    let domain = if let Some(vs) = &ra.values {
        if vs.value.is_empty() {
            return Err(err(
                &vs.referenced,
                format!("the axis `{path}` has an empty `values` list; give at least one value"),
            ));
        }
        if vs.value.len() as u64 > MAX_AXIS_VALUES {
            return Err(err(
                &vs.referenced,
                format!(
                    "the axis `{path}` lists {} values, more than the {MAX_AXIS_VALUES} an axis may have",
                    vs.value.len()
                ),
            ));
        }
        for v in &vs.value {
            check(v.value.0, &v.referenced)?;
        }
        Domain::List(vs.value.iter().map(|v| (v.value.0, v.referenced)).collect())
    } else if let Some(r) = &ra.range {
        let (start, stop, step) = (
            r.value.start.value.0,
            r.value.stop.value.0,
            r.value.step.value.0,
        );
        if step <= Decimal::ZERO {
            return Err(err(
                &r.value.step.referenced,
                format!("the range of `{path}` has step {step}; the step must be above 0"),
            ));
        }
        if stop < start {
            return Err(err(
                &r.value.stop.referenced,
                format!(
                    "the range of `{path}` stops at {stop}, below its start {start}; give start ≤ stop"
                ),
            ));
        }
        let too_many = || {
            err(
                &r.referenced,
                format!(
                    "the range of `{path}` has more than {MAX_AXIS_VALUES} values; use a larger step, or a distribution with sampling"
                ),
            )
        };
        let count = exact::range_count(start, step, stop, MAX_AXIS_VALUES).ok_or_else(too_many)?;
        check(start, &r.value.start.referenced)?;
        // The last value, exactly; with the first, it bounds every value between, so
        // when both are decimals, all are.
        let last = exact::range_value(start, step, count - 1).map_err(|e| {
            let v = match e {
                NotDecimal::TooManyDigits(v) => v,
                NotDecimal::TooLarge => "a number".to_owned(),
            };
            err(
                &r.value.step.referenced,
                format!(
                    "the range of `{path}` reaches {v}, more digits than fendan holds exactly (28); give start and step fewer decimals"
                ),
            )
        })?;
        check(last, &r.value.stop.referenced)?;
        Domain::Range {
            start,
            step,
            count,
            at: r.referenced,
        }
    } else {
        let d = ra.distribution.as_ref().expect("one of the three");
        if !sampling.is_sampled() {
            return Err(err(
                &d.referenced,
                format!(
                    "the axis `{path}` has a distribution, but a grid needs values: give `values` or `range`, or sample with `sampling: {{lhs: {{n: 1000, seed: 1}}}}` (or monte_carlo)"
                ),
            ));
        }
        let decimals = match &ra.decimals {
            Some(dp) if dp.value > MAX_DECIMALS => {
                return Err(err(
                    &dp.referenced,
                    format!("`decimals` is {}; at most {MAX_DECIMALS}", dp.value),
                ));
            }
            Some(dp) => dp.value,
            None => DEFAULT_DECIMALS,
        };
        let rd = &d.value;
        let kind = rd.kind.value.as_str();
        let need =
            |f: &Option<Spanned<Dec>>, key: &str| -> Result<(Decimal, serde_saphyr::Location)> {
                f.as_ref()
                    .map(|x| (x.value.0, x.referenced))
                    .ok_or_else(|| {
                        err(
                            &rd.kind.referenced,
                            format!("a {kind} distribution needs `{key}:` (the axis `{path}`)"),
                        )
                    })
            };
        let refuse = |f: &Option<Spanned<Dec>>, key: &str| -> Result<()> {
            match f {
                Some(x) => Err(err(
                    &x.referenced,
                    format!("a {kind} distribution takes no `{key}:` (the axis `{path}`)"),
                )),
                None => Ok(()),
            }
        };
        let (min, min_at) = need(&rd.min, "min")?;
        let (max, max_at) = need(&rd.max, "max")?;
        if max < min {
            return Err(err(
                &max_at,
                format!("the distribution of `{path}` has max {max} below min {min}"),
            ));
        }
        let dist = match kind {
            "uniform" => {
                refuse(&rd.mean, "mean")?;
                refuse(&rd.sd, "sd")?;
                refuse(&rd.mode, "mode")?;
                Dist::Uniform { min, max }
            }
            "normal" => {
                refuse(&rd.mode, "mode")?;
                let (mean, _) = need(&rd.mean, "mean")?;
                let (sd, sd_at) = need(&rd.sd, "sd")?;
                if sd <= Decimal::ZERO {
                    return Err(err(
                        &sd_at,
                        format!(
                            "the normal distribution of `{path}` has sd {sd}; it must be above 0"
                        ),
                    ));
                }
                Dist::Normal { mean, sd, min, max }
            }
            "triangular" => {
                refuse(&rd.mean, "mean")?;
                refuse(&rd.sd, "sd")?;
                let (peak, peak_at) = need(&rd.mode, "mode")?;
                if peak < min || peak > max {
                    return Err(err(
                        &peak_at,
                        format!(
                            "the triangular distribution of `{path}` peaks at {peak}, outside [{min}, {max}]"
                        ),
                    ));
                }
                Dist::Triangular {
                    min,
                    mode: peak,
                    max,
                }
            }
            other => {
                return Err(err(
                    &rd.kind.referenced,
                    format!(
                        "`{other}` is not a distribution fendan samples{}; use uniform {{min, max}}, normal {{mean, sd, min, max}} or triangular {{min, mode, max}}",
                        did_you_mean(other, ["uniform", "normal", "triangular"])
                    ),
                ));
            }
        };
        for (v, loc) in [(min, min_at), (max, max_at)] {
            if v.scale() > decimals {
                return Err(err(
                    &loc,
                    format!(
                        "the bound {v} of `{path}` has more decimals than the {decimals} sampled values are rounded to; add `decimals: {}` to the axis",
                        v.scale()
                    ),
                ));
            }
            check(v, &loc)?;
        }
        Domain::Dist {
            dist,
            decimals,
            at: d.referenced,
        }
    };
    Ok(Axis {
        name,
        path: path.to_owned(),
        param,
        params,
        unit,
        mode,
        shift: ra.shift.as_ref().map(|s| s.value.clone()),
        from: ra.from.clone(),
        until: ra.until.clone(),
        domain,
        path_span: ra.path.clone(),
        at: at(whole),
    })
}

/// For a `mode: shift` axis, the rule's ten shares (its central share first); `None`
/// for an axis of one parameter. A shift needs a rule's path and `shift: {from, to}`,
/// and `shift:` needs `mode: shift`.
fn shifted_rule(
    ra: &RawAxis,
    mode: Mode,
    model: &crate::Model,
    path: &str,
) -> std::result::Result<Option<Vec<ParamId>>, String> {
    let rule = path
        .strip_prefix("splits.")
        .and_then(|id| model.rules.iter().position(|r| r.id == id));
    match (mode, rule, &ra.shift) {
        (Mode::Shift, Some(i), Some(_)) => {
            let id = crate::model::RuleId(i as u32);
            match model.rule(id).kind {
                crate::model::SplitKind::Shares { .. } => Ok(Some(model.rule_params(id))),
                crate::model::SplitKind::BaseTopup { .. } => Err(format!(
                    "`{path}` splits a standard in two parts by two rules; shift a share of one of them (`fendan explain --param {path}` names them)"
                )),
            }
        }
        (Mode::Shift, Some(_), None) => Err(format!(
            "the axis `{path}` has `mode: shift` but no `shift: {{from: LEVEL, to: LEVEL}}`; its values are the share moved between the two levels"
        )),
        (Mode::Shift, None, _) => Err(format!(
            "a `mode: shift` axis takes a split rule's path, splits.<rule>, not `{path}`"
        )),
        (_, _, Some(_)) => Err(format!(
            "the axis `{path}` gives `shift:` without `mode: shift`; add `mode: shift` (its values are then the share moved)"
        )),
        (_, Some(_), None) => Err(format!(
            "`{path}` is a split rule: sweep one of its shares (splits.<rule>.central …), or move a share between levels with `mode: shift` and `shift: {{from: LEVEL, to: LEVEL}}`"
        )),
        (_, None, None) => Ok(None),
    }
}
